from django.http import HttpResponse


def home(request):
    return HttpResponse("Portline accounts portal")


def lockout(request, credentials, *args, **kwargs):
    return HttpResponse("Too many failed attempts. Try again later.", status=429)
