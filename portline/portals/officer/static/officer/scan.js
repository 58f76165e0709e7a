// Optional camera scan of the appointment's QR code, where the browser has a barcode
// detector (e.g. Chrome on Android). Without it, the handheld scanner or typing still work.
(function () {
  "use strict";
  var button = document.getElementById("camera-scan");
  var input = document.getElementById("id_code");
  var video = document.getElementById("camera-view");
  var status = document.getElementById("camera-status");
  if (!button || !input || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var detector;
  try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { return; }
  var stream = null;
  var timer = null;
  button.hidden = false;

  function stop() {
    if (timer) { window.clearInterval(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
    button.textContent = button.dataset.start;
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      video.play();
      button.textContent = button.dataset.stop;
      status.textContent = button.dataset.looking;
      timer = window.setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (codes.length && codes[0].rawValue) {
            input.value = codes[0].rawValue;
            stop();
            input.form.submit();
          }
        }).catch(function () { /* a frame that cannot be read: try the next */ });
      }, 250);
    }).catch(function (err) {
      status.textContent = err.message;
    });
  });
}());
