// Demo client of nest-jwt-auth, the second factor (TOTP): enrolment with a QR code drawn on a canvas from the
// otpauth:// URL (qrcode.js, the qrcode-generator package), the recovery codes shown once, the sign-in's second
// step, and turning it off. Text only, as app.js: nothing here writes HTML.
/* global qrcode -- the qrcode-generator browser build, loaded before this script */
'use strict';

(() => {
  const demo = globalThis.nestJwtAuthDemo;
  const $ = (id) => document.getElementById(id);
  const QR_SCALE = 4;
  const QR_QUIET_ZONE = 4;
  /** The mfaToken of a sign-in waiting for its code. */
  let mfaToken = null;

  /** Six digits are a code; anything else is taken for a recovery code. */
  function proofOf(text) {
    const value = text.trim();
    return /^\d{6}$/.test(value) ? { code: value } : { recoveryCode: value };
  }

  function showStep(body) {
    mfaToken = body.mfaToken;
    $('auth-form').hidden = true;
    $('mfa-step').hidden = false;
    $('mfa-code').focus();
  }

  function closeStep() {
    mfaToken = null;
    $('mfa-code').value = '';
    $('mfa-step').hidden = true;
    $('auth-form').hidden = false;
  }

  async function completeSignIn() {
    const result = await demo.send('POST', '/auth/signin/mfa', { body: { mfaToken, ...proofOf($('mfa-code').value) } });
    if (!result.ok) throw demo.errorOf(result);
    closeStep();
    await demo.finishSignIn(result.data);
  }

  function drawQrCode(canvas, text) {
    // Type 0: the smallest version that holds the text; error correction M.
    const qr = qrcode(0, 'M');
    qr.addData(text);
    qr.make();
    const modules = qr.getModuleCount();
    canvas.width = canvas.height = (modules + 2 * QR_QUIET_ZONE) * QR_SCALE;
    const context = canvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = '#000';
    for (let row = 0; row < modules; row++) {
      for (let column = 0; column < modules; column++) {
        if (qr.isDark(row, column))
          context.fillRect((column + QR_QUIET_ZONE) * QR_SCALE, (row + QR_QUIET_ZONE) * QR_SCALE, QR_SCALE, QR_SCALE);
      }
    }
  }

  function forgetEnrolment() {
    $('mfa-enrol').hidden = true;
    $('mfa-secret').textContent = '';
    $('mfa-qr').width = 0;
    $('mfa-enable-code').value = '';
  }

  function hideRecoveryCodes() {
    $('mfa-recovery').hidden = true;
    $('mfa-recovery-codes').replaceChildren();
  }

  async function setup() {
    hideRecoveryCodes();
    const result = await demo.authorized('POST', '/auth/mfa/totp/setup');
    drawQrCode($('mfa-qr'), result.data.otpauthUrl);
    $('mfa-secret').textContent = result.data.secret;
    $('mfa-enrol').hidden = false;
  }

  async function enable() {
    const result = await demo.authorized('POST', '/auth/mfa/totp/enable', { body: { code: $('mfa-enable-code').value.trim() } });
    forgetEnrolment();
    const items = result.data.recoveryCodes.map((code) => {
      const item = document.createElement('li');
      item.textContent = code;
      return item;
    });
    $('mfa-recovery-codes').replaceChildren(...items);
    $('mfa-recovery').hidden = false;
    // This session verified the code: its next tokens say so (amr "otp"), which turning it off needs.
    await demo.refreshTokens();
    await demo.loadProfile();
    await demo.loadEvents();
  }

  async function disable() {
    await demo.authorized('POST', '/auth/mfa/totp/disable', { body: proofOf($('mfa-disable-code').value) });
    $('mfa-disable-code').value = '';
    hideRecoveryCodes();
    await demo.loadProfile();
    await demo.loadEvents();
  }

  function render(user) {
    $('mfa-status').textContent = user ? (user.mfaEnabled ? 'on' : 'off') : '';
    $('mfa-off').hidden = !user || user.mfaEnabled;
    $('mfa-on').hidden = !user || !user.mfaEnabled;
    if (!user) {
      forgetEnrolment();
      hideRecoveryCodes();
    }
  }

  demo.onMfaRequired = showStep;
  demo.onRender = render;
  $('mfa-step').addEventListener('submit', (event) => {
    event.preventDefault();
    void demo.act(completeSignIn);
  });
  $('mfa-cancel').addEventListener('click', closeStep);
  $('mfa-setup').addEventListener('click', () => void demo.act(setup));
  $('mfa-enable').addEventListener('click', () => void demo.act(enable));
  $('mfa-disable').addEventListener('click', () => void demo.act(disable));
  demo.render();
})();
