// Passkey ceremonies for Custodian. The only script the appliance serves:
// WebAuthn has no form-based interface. Loaded from this origin (the CSP
// allows nothing else) on the pages that offer a passkey; every other page
// works without JavaScript.
'use strict';

(function () {
  function fromB64u(text) {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  }

  function toB64u(buffer) {
    let bin = '';
    for (const byte of new Uint8Array(buffer)) bin += String.fromCharCode(byte);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function withIds(list) {
    return (list || []).map((c) => Object.assign({}, c, { id: fromB64u(c.id) }));
  }

  function creationOptions(options) {
    const pk = Object.assign({}, options.publicKey);
    pk.challenge = fromB64u(pk.challenge);
    pk.user = Object.assign({}, pk.user, { id: fromB64u(pk.user.id) });
    pk.excludeCredentials = withIds(pk.excludeCredentials);
    return { publicKey: pk };
  }

  function requestOptions(options) {
    const pk = Object.assign({}, options.publicKey);
    pk.challenge = fromB64u(pk.challenge);
    pk.allowCredentials = withIds(pk.allowCredentials);
    return { publicKey: pk };
  }

  function registration(cred) {
    return {
      id: cred.id,
      rawId: toB64u(cred.rawId),
      type: cred.type,
      response: {
        attestationObject: toB64u(cred.response.attestationObject),
        clientDataJSON: toB64u(cred.response.clientDataJSON),
        transports: cred.response.getTransports ? cred.response.getTransports() : [],
      },
      extensions: cred.getClientExtensionResults(),
    };
  }

  function assertion(cred) {
    const r = cred.response;
    return {
      id: cred.id,
      rawId: toB64u(cred.rawId),
      type: cred.type,
      response: {
        authenticatorData: toB64u(r.authenticatorData),
        clientDataJSON: toB64u(r.clientDataJSON),
        signature: toB64u(r.signature),
        userHandle: r.userHandle ? toB64u(r.userHandle) : null,
      },
      extensions: cred.getClientExtensionResults(),
    };
  }

  async function post(url, csrf, body) {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
    });
    let answer = {};
    try {
      answer = await res.json();
    } catch (e) {
      answer = {};
    }
    if (!res.ok) throw new Error(answer.error || 'The appliance refused the request (' + res.status + ').');
    return answer;
  }

  async function run(button, status) {
    const kind = button.dataset.passkey;
    const csrf = button.dataset.csrf;
    const base = button.dataset.endpoint;
    if (kind === 'register') {
      const nameInput = document.getElementById(button.dataset.nameInput);
      const name = nameInput ? nameInput.value.trim() : '';
      if (!name) throw new Error('Give the key a name first.');
      const options = await post(base + '/begin', csrf, {});
      const cred = await navigator.credentials.create(creationOptions(options));
      return post(base + '/finish', csrf, { name: name, credential: registration(cred) });
    }
    const options = await post(base + '/begin', csrf, {});
    status.textContent = 'Touch or unlock your security key…';
    const cred = await navigator.credentials.get(requestOptions(options));
    return post(base + '/finish', csrf, { credential: assertion(cred), next: button.dataset.next || '' });
  }

  function start() {
    for (const button of document.querySelectorAll('button[data-passkey]')) {
      const status = document.getElementById(button.dataset.status);
      button.hidden = false;
      if (!window.PublicKeyCredential) {
        button.disabled = true;
        if (status) status.textContent = 'This browser cannot use passkeys.';
        continue;
      }
      button.addEventListener('click', async () => {
        button.disabled = true;
        if (status) status.textContent = 'Waiting for your security key…';
        try {
          const done = await run(button, status || {});
          window.location.assign(done.next || '/');
        } catch (e) {
          if (status) status.textContent = e && e.name === 'NotAllowedError'
            ? 'Cancelled or timed out. Try again.'
            : (e && e.message) || 'That did not work. Try again.';
          button.disabled = false;
        }
      });
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
