// Demo client of nest-jwt-auth: how a browser frontend uses the API (see API.md and the README).
//
// - The access token lives in a variable of this script only (memory): a reload forgets it.
// - The refresh token lives in sessionStorage: it survives a reload of this tab, is not shared with other tabs,
//   and is removed on sign-out.
// - The access token is refreshed shortly before it expires (a timer from expiresIn), and on a 401: the request
//   is retried once with the new token. One refresh at a time: concurrent callers share the one in flight
//   (every refresh rotates the refresh token).
// - The page writes text only (textContent), never HTML, and its CSP requires Trusted Types to keep it so.
// - It is the APP_URL of the emails: `#verify=<token>` verifies the email at once, `#reset=<token>` shows a form for
//   the new password. The token is taken out of the address bar as soon as it is read.
'use strict';

(() => {
  const REFRESH_TOKEN_KEY = 'nest-jwt-auth.demo.refreshToken';
  const PAGE_SIZE = 10;
  const EVENTS_SHOWN = 10;
  const LOG_LIMIT = 30;
  /** Refresh this long before the access token expires: a fifth of its lifetime, at most a minute. */
  const refreshMarginMs = (lifetimeMs) => Math.min(60_000, lifetimeMs / 5);
  /** After a refresh that failed for another reason than a dead session (network, 429, 503). */
  const RETRY_REFRESH_MS = 5_000;

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /** A refresh that belonged to a session which has ended meanwhile: nothing to report. */
  class StaleSessionError extends Error {}

  const state = {
    accessToken: null,
    accessExpiresAt: 0,
    nextRefreshAt: 0,
    refreshTimer: undefined,
    refreshInFlight: null,
    refreshCount: 0,
    /** Bumped whenever a session starts or ends, so that a late answer cannot revive an ended session. */
    epoch: 0,
    user: null,
    usersSkip: 0,
    usersTotal: 0,
    /** After a reload, while the stored refresh token is exchanged for a first access token. */
    restoring: false,
    /** The token of a `#reset=` link, until the new password is set. */
    resetToken: null,
  };

  const $ = (id) => document.getElementById(id);

  /** What mfa.js (the second factor's part of the page, loaded after this script) uses and hooks into. */
  const demo = {
    onMfaRequired: null,
    onRender: null,
  };
  globalThis.nestJwtAuthDemo = demo;

  // --- refresh token storage (sessionStorage can be unavailable: then the session lasts until the reload) ---

  function readRefreshToken() {
    try {
      return sessionStorage.getItem(REFRESH_TOKEN_KEY);
    } catch {
      return null;
    }
  }

  function writeRefreshToken(token) {
    try {
      if (token) sessionStorage.setItem(REFRESH_TOKEN_KEY, token);
      else sessionStorage.removeItem(REFRESH_TOKEN_KEY);
    } catch {
      // Storage disabled: nothing kept across a reload.
    }
  }

  // --- HTTP ---

  /** One request; resolves with the status, headers and parsed JSON body (null when empty). */
  async function send(method, path, { token, body } = {}) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      logCall(method, path, 'network error', true);
      throw new ApiError(0, 'The server cannot be reached.');
    }
    logCall(method, path, String(response.status), !response.ok);
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    return { status: response.status, ok: response.ok, headers: response.headers, data };
  }

  /** The API's error body is NestJS's: `message` is a string or a list of strings. */
  function errorOf(result) {
    const message = result.data && result.data.message;
    let text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : `HTTP ${result.status}`;
    const retryAfter = result.headers.get('Retry-After');
    if (result.status === 429 && retryAfter) text += ` (try again in ${retryAfter} s)`;
    return new ApiError(result.status, text);
  }

  // --- tokens ---

  function acceptTokens(body) {
    state.accessToken = body.accessToken;
    state.accessExpiresAt = Date.now() + body.expiresIn * 1000;
    writeRefreshToken(body.refreshToken);
    scheduleRefresh(body.expiresIn * 1000);
    renderTokens();
  }

  function scheduleRefresh(delayBase, retry = false) {
    clearTimeout(state.refreshTimer);
    const delay = retry ? RETRY_REFRESH_MS : Math.max(1_000, delayBase - refreshMarginMs(delayBase));
    state.nextRefreshAt = Date.now() + delay;
    const epoch = state.epoch;
    state.refreshTimer = setTimeout(() => {
      refreshTokens().catch((error) => {
        if (error instanceof StaleSessionError || epoch !== state.epoch) return;
        showError(error);
        if (readRefreshToken()) scheduleRefresh(0, true);
      });
    }, delay);
    renderTokens();
  }

  /**
   * Exchanges the refresh token for a new pair. Every refresh rotates the refresh token, so only one runs at a
   * time: a caller that comes while one is in flight gets the same promise.
   */
  function refreshTokens() {
    if (state.refreshInFlight) return state.refreshInFlight;
    const epoch = state.epoch;
    const inFlight = (async () => {
      const refreshToken = readRefreshToken();
      if (!refreshToken) throw new ApiError(401, 'Not signed in.');
      const result = await send('POST', '/auth/refresh', { token: refreshToken });
      if (epoch !== state.epoch) throw new StaleSessionError('the session ended during the refresh');
      if (!result.ok) {
        // 401: the session is over (signed out elsewhere, revoked, expired, or its token reused).
        if (result.status === 401) endSession();
        throw errorOf(result);
      }
      state.refreshCount += 1;
      acceptTokens(result.data);
      return state.accessToken;
    })();
    state.refreshInFlight = inFlight;
    const clear = () => {
      if (state.refreshInFlight === inFlight) state.refreshInFlight = null;
    };
    inFlight.then(clear, clear);
    return inFlight;
  }

  /** A request with the access token; on a 401, one refresh and one retry. */
  async function authorized(method, path, options = {}) {
    let token = state.accessToken;
    // A background tab's timers may have been throttled: do not send a token known to be expired.
    if (!token || Date.now() >= state.accessExpiresAt - 1_000) token = await refreshTokens();
    let result = await send(method, path, { ...options, token });
    if (result.status === 401) {
      // Another caller may have refreshed while this request was out: then its token is the one to use.
      const fresh = state.accessToken && state.accessToken !== token ? state.accessToken : await refreshTokens();
      result = await send(method, path, { ...options, token: fresh });
    }
    if (!result.ok) throw errorOf(result);
    return result;
  }

  // --- session ---

  function startSession(body) {
    endSession();
    state.epoch += 1;
    state.refreshCount = 0;
    acceptTokens(body);
  }

  /** Forgets every token of this tab (the server side is the caller's business). */
  function endSession() {
    state.epoch += 1;
    clearTimeout(state.refreshTimer);
    state.accessToken = null;
    state.accessExpiresAt = 0;
    state.nextRefreshAt = 0;
    state.refreshInFlight = null;
    state.user = null;
    state.usersSkip = 0;
    writeRefreshToken(null);
    $('event-rows').replaceChildren();
    render();
  }

  async function signInOrUp(action) {
    const email = $('email').value;
    const password = $('password').value;
    const result = await send('POST', action === 'signup' ? '/auth/signup' : '/auth/signin', { body: { email, password } });
    if (!result.ok) throw errorOf(result);
    $('password').value = '';
    // A user with TOTP: no session yet, the code comes next (mfa.js).
    if (result.data.mfaRequired && demo.onMfaRequired) return demo.onMfaRequired(result.data);
    await finishSignIn(result.data);
  }

  /** Starts the session that a sign-in (or its second step) opened, and loads what the page shows. */
  async function finishSignIn(body) {
    startSession(body);
    await loadProfile();
    await loadEvents();
    if (state.user && state.user.role === 'ADMIN') await loadUsers();
  }

  async function signOut(path) {
    try {
      await authorized('POST', path);
    } finally {
      // Forget the tokens even when the server could not be told: this tab is signed out either way.
      endSession();
    }
  }

  // --- links from emails, forgot password ---

  /** Reads `#verify=` or `#reset=` from the address, and removes it (a token does not belong in the history). */
  function takeLinkToken() {
    const match = /^#(verify|reset)=([A-Za-z0-9_-]+)$/.exec(location.hash);
    if (!match) return null;
    history.replaceState(null, '', location.pathname + location.search);
    return { kind: match[1], token: match[2] };
  }

  async function followLink() {
    const link = takeLinkToken();
    if (!link) return;
    if (link.kind === 'reset') {
      state.resetToken = link.token;
      render();
      $('new-password').focus();
      return;
    }
    const result = await send('POST', '/auth/email/verify', { body: { token: link.token } });
    if (!result.ok) throw errorOf(result);
    showNotice('Your email address is verified.');
    if (state.user) await loadProfile();
  }

  async function resetPassword() {
    const result = await send('POST', '/auth/password/reset', { body: { token: state.resetToken, newPassword: $('new-password').value } });
    if (!result.ok) throw errorOf(result);
    $('new-password').value = '';
    state.resetToken = null;
    // The reset signed out every session, this tab's included.
    endSession();
    showNotice('Your password is changed: sign in with the new one.');
  }

  async function forgotPassword() {
    const result = await send('POST', '/auth/password/forgot', { body: { email: $('email').value } });
    if (!result.ok) throw errorOf(result);
    showNotice('If an account has this email, a link to reset its password is on its way.');
  }

  async function resendVerification() {
    await authorized('POST', '/auth/email/verify/resend');
    showNotice('A new verification email is on its way.');
  }

  // --- data ---

  async function loadProfile() {
    const result = await authorized('GET', '/users/me');
    state.user = result.data;
    render();
  }

  /** The signed-in user's recent security events (sign-ins, sign-outs, password changes...). */
  async function loadEvents() {
    const result = await authorized('GET', `/auth/events?take=${EVENTS_SHOWN}`);
    renderEvents(result.data);
  }

  async function loadUsers() {
    const result = await authorized('GET', `/users?skip=${state.usersSkip}&take=${PAGE_SIZE}`);
    state.usersTotal = Number(result.headers.get('X-Total-Count') || 0);
    renderUsers(result.data);
  }

  /** Both at once when an admin: concurrent requests that meet a 401 share one refresh. */
  async function reload() {
    const admin = state.user && state.user.role === 'ADMIN';
    await Promise.all([loadProfile(), loadEvents(), admin ? loadUsers() : null]);
  }

  // --- rendering (text only) ---

  const time = (ms) => new Date(ms).toLocaleTimeString();

  function render() {
    const user = state.user;
    $('status').textContent = user ? `Signed in as ${user.email} (${user.role})` : state.accessToken ? 'Signing in…' : 'Signed out';
    $('auth-panel').hidden = Boolean(user || state.accessToken || state.restoring || state.resetToken);
    $('reset-panel').hidden = !state.resetToken;
    $('profile-panel').hidden = !user;
    $('admin-panel').hidden = !(user && user.role === 'ADMIN');
    if (user) {
      $('me-id').textContent = String(user.id);
      $('me-email').textContent = user.email;
      $('me-role').textContent = user.role;
      $('me-verified').textContent = user.emailVerified ? 'yes' : 'no';
      $('resend-verification').hidden = user.emailVerified;
      $('me-created').textContent = new Date(user.createdAt).toLocaleString();
    }
    if (demo.onRender) demo.onRender(user);
    renderTokens();
  }

  function renderTokens() {
    $('access-expires').textContent = state.accessToken ? `at ${time(state.accessExpiresAt)}` : '–';
    $('refresh-count').textContent = String(state.refreshCount);
    $('next-refresh').textContent = state.nextRefreshAt ? `at ${time(state.nextRefreshAt)}` : '–';
  }

  function renderUsers(users) {
    const rows = users.map((user) => {
      const row = document.createElement('tr');
      row.dataset.userId = String(user.id);
      for (const text of [String(user.id), user.email, user.role, new Date(user.createdAt).toLocaleString()]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    });
    $('user-rows').replaceChildren(...rows);
    $('user-total').textContent = String(state.usersTotal);
    $('user-range').textContent = users.length ? `${state.usersSkip + 1}–${state.usersSkip + users.length}` : 'none';
    $('users-prev').disabled = state.usersSkip === 0;
    $('users-next').disabled = state.usersSkip + PAGE_SIZE >= state.usersTotal;
  }

  function renderEvents(events) {
    const rows = events.map((event) => {
      const row = document.createElement('tr');
      row.dataset.eventId = String(event.id);
      for (const text of [new Date(event.createdAt).toLocaleString(), event.type, event.ip || '–', event.userAgent || '–']) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    });
    $('event-rows').replaceChildren(...rows);
  }

  function logCall(method, path, outcome, failed) {
    const item = document.createElement('li');
    item.textContent = `${time(Date.now())}  ${method} ${path} → ${outcome}`;
    if (failed) item.className = 'fail';
    const log = $('log');
    log.prepend(item);
    while (log.children.length > LOG_LIMIT) log.lastElementChild.remove();
  }

  function showError(error) {
    const box = $('error');
    box.textContent = error instanceof Error ? error.message : String(error);
    box.hidden = false;
  }

  function showNotice(text) {
    $('notice').textContent = text;
    $('notice').hidden = false;
  }

  function clearError() {
    $('error').hidden = true;
    $('error').textContent = '';
  }

  /** Runs a user action: clears the last error, disables the buttons meanwhile, shows what went wrong. */
  async function act(action) {
    clearError();
    $('notice').hidden = true;
    const buttons = [...document.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    try {
      await action();
    } catch (error) {
      if (!(error instanceof StaleSessionError)) showError(error);
    } finally {
      for (const button of buttons) button.disabled = false;
      render();
      if (!$('admin-panel').hidden) {
        $('users-prev').disabled = state.usersSkip === 0;
        $('users-next').disabled = state.usersSkip + PAGE_SIZE >= state.usersTotal;
      }
    }
  }

  Object.assign(demo, { send, errorOf, authorized, refreshTokens, finishSignIn, loadProfile, loadEvents, act, render });

  // --- wiring ---

  function start() {
    $('auth-form').addEventListener('submit', (event) => {
      // No form submission ever leaves the page (the CSP says form-action 'none'): the script sends JSON.
      event.preventDefault();
      const action = event.submitter && event.submitter.value === 'signup' ? 'signup' : 'signin';
      void act(() => signInOrUp(action));
    });
    $('reset-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void act(resetPassword);
    });
    $('forgot').addEventListener('click', () => void act(forgotPassword));
    $('resend-verification').addEventListener('click', () => void act(resendVerification));
    // A link opened while the page is already here changes only the fragment.
    window.addEventListener('hashchange', () => void act(followLink));
    $('reload').addEventListener('click', () => void act(reload));
    $('refresh-now').addEventListener('click', () => void act(refreshTokens));
    $('signout').addEventListener('click', () => void act(() => signOut('/auth/signout')));
    $('signout-all').addEventListener('click', () => void act(() => signOut('/auth/signout/all')));
    $('users-prev').addEventListener('click', () => {
      state.usersSkip = Math.max(0, state.usersSkip - PAGE_SIZE);
      void act(loadUsers);
    });
    $('users-next').addEventListener('click', () => {
      state.usersSkip += PAGE_SIZE;
      void act(loadUsers);
    });

    state.restoring = Boolean(readRefreshToken());
    render();
    if (/^#(verify|reset)=/.test(location.hash)) void act(followLink);
    if (state.restoring) {
      // A reload of this tab: the access token is gone with the old page, the refresh token is still here.
      $('status').textContent = 'Restoring the session…';
      void act(async () => {
        try {
          await refreshTokens();
          await loadProfile();
          await loadEvents();
          if (state.user && state.user.role === 'ADMIN') await loadUsers();
        } finally {
          state.restoring = false;
        }
      });
    }
  }

  start();
})();
