from django.http import HttpResponse


def home(request):
    return HttpResponse("Portline public portal")
