// Fill the request form's hidden location fields when the phone allows it, and say so.
// Without this script the page still works: the service explains that a location is needed.
(function () {
  "use strict";
  var form = document.querySelector("form[data-locate]");
  if (!form || !("geolocation" in navigator)) { return; }
  var status = document.getElementById("locate-status");
  navigator.geolocation.getCurrentPosition(function (position) {
    form.elements.latitude.value = position.coords.latitude.toFixed(5);
    form.elements.longitude.value = position.coords.longitude.toFixed(5);
    form.elements.accuracy.value = Math.round(position.coords.accuracy);
    if (status) { status.textContent = status.getAttribute("data-found"); }
  }, function () {
    if (status) { status.textContent = status.getAttribute("data-failed"); }
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 600000 });
})();
