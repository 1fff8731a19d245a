// An identity provider's response in the fragment (implicit and hybrid response types):
// posts its parameters to the callback on this server, which never sees a fragment. A
// separate file because the Content-Security-Policy forbids inline scripts.
(function () {
  'use strict';
  function relay() {
    var form = document.getElementById('kc-broker-fragment');
    if (!form) return;
    var params = new URLSearchParams(window.location.hash.slice(1));
    // The tokens leave the address bar and the history before anything else.
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    params.forEach(function (value, name) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.appendChild(input);
    });
    // Called from the prototype: a field named "submit" would shadow form.submit.
    HTMLFormElement.prototype.submit.call(form);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', relay, { once: true });
  } else {
    relay();
  }
})();
