// Optional: fill the check-in form's location from the browser, only when the person asks.
(function () {
  "use strict";
  var button = document.getElementById("share-location");
  if (!button || !("geolocation" in navigator)) { return; }
  var status = document.getElementById("location-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.wait || "…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
      document.getElementById("id_accuracy_m").value = Math.round(pos.coords.accuracy);
      status.textContent = "✓";
    }, function (err) {
      status.textContent = err.message;
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
}());
