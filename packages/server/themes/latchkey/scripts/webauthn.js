// Security keys and passkeys on the sign-in pages, with @simplewebauthn/browser: a form marked
// data-webauthn="register" or "authenticate" carries the server's options (JSON) in
// data-webauthn-options; its button runs the ceremony, and the authenticator's answer is posted
// in the form's credential field; where the browser has no WebAuthn, the element its
// data-webauthn-unsupported names says so. A form marked data-webauthn-autofill starts a conditional
// request as the page loads, so the browser offers passkeys in the username field's autofill.
// Bundled into resources/webauthn.js by bundle.mjs: the pages' CSP allows no other script.
import {
  browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication, startRegistration,
} from '@simplewebauthn/browser';

function post(form, answer) {
  form.elements.namedItem('credential').value = JSON.stringify(answer);
  // Called from the prototype: a field named "submit" would shadow form.submit.
  HTMLFormElement.prototype.submit.call(form);
}

function failed(form, error) {
  // A conditional request that a button's ceremony replaced ends so; nothing went wrong.
  if (error && error.name === 'AbortError') return;
  const alert = document.getElementById(form.dataset.webauthnError);
  if (alert) alert.hidden = false;
}

function setUp(form) {
  if (!browserSupportsWebAuthn()) {
    const unsupported = document.getElementById(form.dataset.webauthnUnsupported);
    if (unsupported) unsupported.hidden = false;
    return;
  }
  const optionsJSON = JSON.parse(form.dataset.webauthnOptions);
  const ceremony = (useBrowserAutofill) => (form.dataset.webauthn === 'register'
    ? startRegistration({ optionsJSON })
    : startAuthentication({ optionsJSON, useBrowserAutofill }));
  for (const hidden of document.querySelectorAll(`[data-webauthn-for="${form.id}"]`)) hidden.hidden = false;
  const button = form.querySelector('[data-webauthn-start]');
  button.disabled = false;
  button.addEventListener('click', () => {
    const alert = document.getElementById(form.dataset.webauthnError);
    if (alert) alert.hidden = true;
    ceremony(false).then((answer) => post(form, answer), (error) => failed(form, error));
  });
  if (form.dataset.webauthnAutofill !== undefined) {
    browserSupportsWebAuthnAutofill().then((supported) => {
      if (supported) ceremony(true).then((answer) => post(form, answer), () => undefined);
    });
  }
}

function start() {
  for (const form of document.querySelectorAll('form[data-webauthn]')) setUp(form);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
