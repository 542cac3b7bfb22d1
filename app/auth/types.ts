/** Who is signed in, and the Convex token that acts as them. Safe to send to the browser. */
export interface AuthState {
  /** Stable user id (the identity provider's subject); null when signed out. */
  userId: string | null;
  /** For display; null when signed out or when the provider does not share it. */
  email: string | null;
  /** Convex JWT for this user; null when signed out. */
  token: string | null;
  /** When `token` expires, in ms since the epoch. */
  expiresAt: number | null;
}

export const SIGNED_OUT: AuthState = { userId: null, email: null, token: null, expiresAt: null };
