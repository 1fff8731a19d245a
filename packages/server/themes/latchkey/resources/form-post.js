// Response mode form_post: sends the authorization response to the client as
// soon as the page is ready. A separate file because the Content-Security-Policy
// forbids inline scripts; without JavaScript the user presses Continue.
(function () {
  'use strict';
  function submit() {
    var form = document.getElementById('kc-form-post');
    if (!form) return;
    // Called from the prototype: a field named "submit" would shadow form.submit.
    HTMLFormElement.prototype.submit.call(form);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', submit, { once: true });
  } else {
    submit();
  }
})();
