from django.shortcuts import render

from cases.registry import home_sections


def home(request):
    return render(request, "cases/home.html", {"sections": home_sections(request)})
