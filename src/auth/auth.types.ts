/** What the refresh-token strategy hands to the refresh route (request.user). */
export interface RefreshCredentials {
  userId: number;
  sessionId: string;
  /** The raw refresh token: its hash is compared with the session's. */
  token: string;
}
