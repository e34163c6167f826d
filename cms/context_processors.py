def navigation(request):
    """Top-level pages shown in the main navigation (pages with "show in menus")."""
    return {"main_navigation": []}
