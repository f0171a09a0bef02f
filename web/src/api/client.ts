import type { Bundle, OperationOutcome, Resource, ResourceType } from '@medplum/fhirtypes';

/** An HTTP failure, with the server's OperationOutcome when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly outcome?: OperationOutcome,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The stable error code the hub puts in issue.details.coding, if any. */
  get code(): string | undefined {
    return this.outcome?.issue?.[0]?.details?.coding?.[0]?.code;
  }
}

export interface SignedInUser {
  id: string;
  username?: string;
  displayName: string;
  /** The hub sends the institution id or an {id, name} object. */
  institution: string | { id: string; name?: string };
  roles: string[];
  /** Console pages the roles may use (the hub's role policy); absent from older hubs. */
  pages?: string[];
  mfaEnabled?: boolean;
}

export interface Session {
  accessToken: string;
  /** Opaque, rotated on every use (POST /auth/refresh). */
  refreshToken?: string;
  scope: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  user: SignedInUser;
}

export interface LoginResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token?: string;
  user: SignedInUser;
}

/** Turns a token answer of /auth/login, /auth/login/mfa, /auth/mfa/confirm or /auth/refresh into a session. */
export function toSession(res: LoginResponse): Session {
  return { accessToken: res.access_token, refreshToken: res.refresh_token, scope: res.scope, expiresAt: Date.now() + res.expires_in * 1000, user: res.user };
}

/** Turns an OperationOutcome into one readable line: every issue's details.text (or diagnostics). */
export function describeOutcome(outcome: OperationOutcome | undefined): string | undefined {
  const texts = (outcome?.issue ?? [])
    .map((issue) => issue.details?.text ?? issue.diagnostics ?? issue.details?.coding?.[0]?.display)
    .filter((text): text is string => Boolean(text));
  return texts.length ? texts.join('; ') : undefined;
}

function isOutcome(body: unknown): body is OperationOutcome {
  return typeof body === 'object' && body !== null && (body as Resource).resourceType === 'OperationOutcome';
}

/**
 * The console's one HTTP client. It holds the session's bearer token and calls
 * `onUnauthorized` when the hub answers 401 to a signed-in call (expired token).
 */
export class HubClient {
  private session: Session | null = null;
  private refreshing: Promise<boolean> | null = null;
  onUnauthorized: (() => void) | null = null;
  /** Called with the new session after a refresh, so the caller can store it. */
  onSessionRefreshed: ((session: Session) => void) | null = null;

  constructor(private readonly baseUrl = '') {}

  setSession(session: Session | null): void {
    this.session = session;
  }

  /** Any JSON call to the hub (feature modules build their API on this). */
  send<T>(method: string, path: string, body?: unknown, options: { auth?: boolean } = {}): Promise<T> {
    return this.request<T>(method, path, { body, auth: options.auth });
  }

  /** Trades the refresh token for new tokens once; concurrent 401s share one refresh. */
  private refreshSession(): Promise<boolean> {
    const refreshToken = this.session?.refreshToken;
    if (!refreshToken) return Promise.resolve(false);
    this.refreshing ??= this.request<LoginResponse>('POST', '/auth/refresh', { body: { refresh_token: refreshToken }, auth: false })
      .then((res) => {
        this.session = toSession(res);
        this.onSessionRefreshed?.(this.session);
        return true;
      })
      .catch(() => false)
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  private async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; accept?: string; auth?: boolean; retried?: boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const auth = options.auth ?? true;
    if (auth && this.session) headers.authorization = `Bearer ${this.session.accessToken}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (err) {
      throw new ApiError(0, `Network error: ${(err as Error).message}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const outcome = isOutcome(body) ? body : undefined;
      const message = describeOutcome(outcome) ?? `HTTP ${response.status} ${response.statusText}`.trim();
      // People's access tokens are short-lived: refresh once and retry before giving up the session.
      if (response.status === 401 && auth && this.session && !options.retried && (await this.refreshSession())) {
        return this.request<T>(method, path, { ...options, retried: true });
      }
      if (response.status === 401 && auth && this.session) this.onUnauthorized?.();
      throw new ApiError(response.status, message, outcome);
    }
    return body as T;
  }

  /** POST /auth/login: a person's username and password for a session. */
  async login(username: string, password: string): Promise<Session> {
    const res = await this.request<LoginResponse>('POST', '/auth/login', { body: { username, password }, auth: false });
    return toSession(res);
  }

  /** GET /api/region/overview: aggregate counts for the region. */
  getRegionOverview<T>(days = 14): Promise<T> {
    return this.request<T>('GET', `/api/region/overview?days=${days}`);
  }

  /** FHIR read: GET /fhir/{type}/{id}. */
  readResource<T extends Resource>(type: ResourceType, id: string): Promise<T> {
    return this.request<T>('GET', `/fhir/${type}/${encodeURIComponent(id)}`, { accept: 'application/fhir+json' });
  }

  /**
   * FHIR search: GET /fhir/{type}?params. Returns the matches (search mode
   * "match", not _include'd resources) and the server's total when it gave one.
   */
  async search<T extends Resource>(type: ResourceType, params: Record<string, string>): Promise<{ resources: T[]; total?: number }> {
    const query = new URLSearchParams(params).toString();
    const bundle = await this.request<Bundle>('GET', `/fhir/${type}?${query}`, { accept: 'application/fhir+json' });
    const resources = (bundle.entry ?? [])
      .filter((entry) => entry.resource?.resourceType === type && entry.search?.mode !== 'include')
      .map((entry) => entry.resource as T);
    return { resources, total: bundle.total };
  }
}

export const hubClient = new HubClient();
