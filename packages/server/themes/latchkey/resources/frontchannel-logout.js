// OIDC Front-Channel Logout: once every client's logout iframe has loaded (or after a few
// seconds, for one that never answers), goes on to where the logout continues. A separate
// file because the Content-Security-Policy forbids inline scripts.
(function () {
  'use strict';
  var WAIT_MS = 5000;
  function start() {
    var next = document.getElementById('kc-continue');
    if (!next) return;
    var frames = document.querySelectorAll('iframe.frontchannel-logout');
    var left = frames.length;
    var gone = false;
    function go() {
      if (gone) return;
      gone = true;
      window.location.assign(next.href);
    }
    frames.forEach(function (frame) {
      frame.addEventListener('load', function () { if (--left <= 0) go(); }, { once: true });
      frame.addEventListener('error', function () { if (--left <= 0) go(); }, { once: true });
    });
    if (left === 0) go();
    setTimeout(go, WAIT_MS);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start, { once: true });
  } else {
    start();
  }
})();
