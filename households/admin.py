from django.contrib import admin

from households.models import District

# Administrators manage master data only: households, persons and consents are personal
# data and are not exposed in the admin.


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name"]
