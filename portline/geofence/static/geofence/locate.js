// "Use my location": fills the check form from the browser's location (progressive: the
// button stays hidden where the browser cannot locate; the form works typed in by hand).
(function () {
  var button = document.getElementById("area-locate");
  if (!button || !("geolocation" in navigator)) { return; }
  var status = document.getElementById("area-locate-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.getAttribute("data-waiting");
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("id_latitude").value = position.coords.latitude;
      document.getElementById("id_longitude").value = position.coords.longitude;
      document.getElementById("id_accuracy").value = Math.round(position.coords.accuracy);
      status.textContent = button.getAttribute("data-done");
    }, function () {
      status.textContent = button.getAttribute("data-failed");
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  });
})();
