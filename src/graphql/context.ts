import type { Log } from '../log';
import { addressKey } from '../auth/address-key';
import type { Caller, Identify } from '../auth/identify';
import type { AdminOperations } from './admin-operations';
import type { BrowseAdapter } from './browser';
import type { ImageDescriber } from './image-describer';
import type { RequestSummary } from './request-summary';

/** What every resolver gets: the request's logger (which carries its id) and caller, and per-request loaders. */
export interface GraphQLContext {
  log: Log;
  caller: Caller;
  /** Whom rate limits count against: `admin:{name}` for administrators, `client:{name}` for client apps, else the client address. */
  clientId: string;
  /** What the public budgets are multiplied by for this caller. */
  budgetFactor: number;
  images: ImageDescriber;
  /** Folders and sources to browse, reading headers through `images`' per-request loader. */
  browse: BrowseAdapter;
  admin: AdminOperations;
  /** Audits an administrative field refused to this caller (see auth/permissions.ts). */
  auditRefusal(field: string, code: string): void;
  /** Hands the request's summary to its log line (see request-summary.ts). */
  report(summary: RequestSummary): void;
}

export interface ContextSources {
  identify: Identify;
  /** The budget factor of client apps (--client-token-factor). */
  clientTokenFactor: number;
  describer(clientId: string, budgetFactor: number): ImageDescriber;
  browser(images: ImageDescriber): BrowseAdapter;
  admin(log: Log, caller: Caller, clientId: string): AdminOperations;
}

/** Builds each request's context from the HTTP request. */
export function createContextFactory(sources: ContextSources) {
  return (request: { ip: string; log: Log; headers: { authorization?: string | undefined } }, report: (summary: RequestSummary) => void): GraphQLContext => {
    const caller = sources.identify(request.headers.authorization);
    const clientId = caller.kind === 'admin' || caller.kind === 'client' ? `${caller.kind}:${caller.name}` : addressKey(request.ip);
    const budgetFactor = caller.kind === 'client' ? sources.clientTokenFactor : 1;
    const admin = sources.admin(request.log, caller, clientId);
    const images = sources.describer(clientId, budgetFactor);
    return { log: request.log, caller, clientId, budgetFactor, images, browse: sources.browser(images), admin, auditRefusal: admin.refused, report };
  };
}
