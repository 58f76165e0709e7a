// Fill the request form's hidden location fields when the phone allows it, and say so.
// Without this script the page still works: the person chooses where they are from a list
// (the request is then marked for review), and that list comes back if the location fails.
(function () {
  "use strict";
  var form = document.querySelector("form[data-locate]");
  if (!form || !("geolocation" in navigator)) { return; }
  var status = document.getElementById("locate-status");
  var declared = document.getElementById("declared-place");
  var place = form.elements.place;
  if (status) { status.hidden = false; }
  if (declared && !(place && place.value)) { declared.hidden = true; }
  navigator.geolocation.getCurrentPosition(function (position) {
    form.elements.latitude.value = position.coords.latitude.toFixed(5);
    form.elements.longitude.value = position.coords.longitude.toFixed(5);
    form.elements.accuracy.value = Math.round(position.coords.accuracy);
    if (place) { place.value = ""; }
    if (status) { status.textContent = status.getAttribute("data-found"); }
  }, function () {
    if (status) { status.textContent = status.getAttribute("data-failed"); }
    if (declared) { declared.hidden = false; }
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 600000 });
})();
