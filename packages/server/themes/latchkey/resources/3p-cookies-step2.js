// The end of Keycloak's third-party cookies check (3p-cookies/step1.html led here): tells the
// page that framed it whether the cookie step1 set came back, i.e. whether this server's
// cookies reach it inside a frame. The answer says nothing secret, so any page may hear it.
(function () {
  'use strict';
  window.parent.postMessage(document.body.dataset.result, '*');
})();
