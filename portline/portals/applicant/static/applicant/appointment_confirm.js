// One person's confirmation: a photo taken now with the camera (getUserMedia -> canvas ->
// JPEG blob) and a fresh location (navigator.geolocation, no cached position), sent together.
// There is deliberately no file picker: saved pictures are not accepted.
(function () {
  "use strict";
  var form = document.getElementById("appt-confirm");
  if (!form) { return; }
  var msg = function (name) { return form.dataset[name] || ""; };
  var video = document.getElementById("appt-video");
  var canvas = document.getElementById("appt-canvas");
  var photo = document.getElementById("appt-photo");
  var startButton = document.getElementById("appt-start");
  var shootButton = document.getElementById("appt-shoot");
  var retakeButton = document.getElementById("appt-retake");
  var submitButton = document.getElementById("appt-submit");
  var statusLine = document.getElementById("appt-status");
  var errorLine = document.getElementById("appt-error");
  var stream = null;
  var blob = null;
  var position = null;

  function say(text) { statusLine.textContent = text; }
  function fail(text) { errorLine.textContent = text; }
  function ready() { submitButton.disabled = !(blob && position); }

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
  }

  function startCamera() {
    fail("");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { fail(msg("msgNoCamera")); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: 1280 } }, audio: false })
      .then(function (s) {
        stream = s;
        video.onloadedmetadata = function () {
          // Offer the shutter only once the camera delivers frames.
          shootButton.hidden = false;
          shootButton.focus();
        };
        video.srcObject = s;
        video.hidden = false;
        photo.hidden = true;
        startButton.hidden = true;
        retakeButton.hidden = true;
      })
      .catch(function () { fail(msg("msgCameraDenied")); });
  }

  function shoot() {
    var w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) { return; }
    canvas.width = w;
    canvas.height = h;
    canvas.getContext("2d").drawImage(video, 0, 0, w, h);
    canvas.toBlob(function (b) {
      blob = b;
      photo.src = URL.createObjectURL(b);
      photo.hidden = false;
      stopCamera();
      shootButton.hidden = true;
      retakeButton.hidden = false;
      ready();
      locate();
    }, "image/jpeg", 0.9);
  }

  function locate() {
    if (!navigator.geolocation) { fail(msg("msgNoLocation")); return; }
    say(msg("msgLocating"));
    navigator.geolocation.getCurrentPosition(function (p) {
      position = p;
      document.getElementById("appt-lat").value = p.coords.latitude;
      document.getElementById("appt-lon").value = p.coords.longitude;
      document.getElementById("appt-acc").value = p.coords.accuracy;
      say(msg("msgLocated"));
      ready();
    }, function () {
      say("");
      fail(msg("msgLocationDenied"));
    }, { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
  }

  startButton.addEventListener("click", startCamera);
  shootButton.addEventListener("click", shoot);
  retakeButton.addEventListener("click", function () { blob = null; ready(); startCamera(); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fail("");
    if (!blob) { fail(msg("msgNeedPhoto")); return; }
    if (!position) { locate(); return; }
    var data = new FormData(form);
    data.append("photo", blob, "camera.jpg");
    submitButton.disabled = true;
    say(msg("msgSending"));
    fetch(form.action || window.location.href, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "portline-confirm", "X-CSRFToken": data.get("csrfmiddlewaretoken") }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (body.ok) { window.location.assign(body.redirect); return; }
        say("");
        fail((body.errors || []).join(" ") || msg("msgFailed"));
        submitButton.disabled = false;
      });
    }).catch(function () {
      say("");
      fail(msg("msgFailed"));
      submitButton.disabled = false;
    });
  });

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { fail(msg("msgNoCamera")); startButton.disabled = true; }
})();
