// The check session iframe (OpenID Connect Session Management 1.0 §3.2, Keycloak's
// login-status-iframe.html). A client's page posts "<client_id> <session_state>" and hears
// "unchanged", "changed" or "error". The browser state is the session cookie's hash in a
// cookie scripts may read (its name is the body's data-cookie). Two kinds of session_state:
//   - the authorization response's, "<hash>.<salt>" with hash = SHA-256 of
//     "<client_id> <origin> <browser state> <salt>", as the server computes it;
//   - keycloak-js's, the ID or access token's `sid`, whose hash is the browser state.
// An empty session_state means the client thinks nobody is signed in.
(function () {
  'use strict';
  var checked = {};

  function browserState() {
    var name = document.body.dataset.cookie + '=';
    var found = document.cookie.split('; ').filter(function (c) { return c.indexOf(name) === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length)) : '';
  }

  function sha256(text) {
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then(function (digest) {
      var binary = String.fromCharCode.apply(null, new Uint8Array(digest));
      return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    });
  }

  // The server confirms once per client and origin that the origin is one of the client's web origins.
  function allowed(clientId, origin) {
    var key = clientId + ' ' + origin;
    if (!checked[key]) {
      var url = window.location.pathname + '/init?client_id=' + encodeURIComponent(clientId) + '&origin=' + encodeURIComponent(origin);
      checked[key] = fetch(url, { credentials: 'same-origin' }).then(function (res) { return res.status === 204; });
      checked[key].then(function (ok) { if (!ok) delete checked[key]; }, function () { delete checked[key]; });
    }
    return checked[key];
  }

  function check(clientId, origin, sessionState) {
    return allowed(clientId, origin).then(function (ok) {
      if (!ok) return 'error';
      var state = browserState();
      if (!state || !sessionState) return state === sessionState ? 'unchanged' : 'changed';
      var dot = sessionState.lastIndexOf('.');
      if (dot > 0) {
        var salt = sessionState.slice(dot + 1);
        return sha256([clientId, origin, state, salt].join(' ')).then(function (hash) {
          return hash + '.' + salt === sessionState ? 'unchanged' : 'changed';
        });
      }
      return sha256(sessionState).then(function (hash) { return hash === state ? 'unchanged' : 'changed'; });
    });
  }

  window.addEventListener('message', function (event) {
    if (typeof event.data !== 'string' || !event.source) return;
    var space = event.data.indexOf(' ');
    var clientId = space < 0 ? event.data : event.data.slice(0, space);
    var sessionState = space < 0 ? '' : event.data.slice(space + 1);
    var source = event.source;
    var origin = event.origin;
    check(clientId, origin, sessionState).catch(function () { return 'error'; }).then(function (result) {
      source.postMessage(result, origin);
    });
  });
})();
