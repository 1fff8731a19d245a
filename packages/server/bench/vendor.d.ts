// Neither package ships TypeScript types and no @types package is installed;
// these cover only what the benchmark (and, for oidc-provider, the broker tests) touch.

declare module 'autocannon' {
  namespace autocannon {
    interface Result {
      requests: { average: number; total: number };
      /** Seconds the run took. */
      duration: number;
      errors: number;
      mismatches: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
      warmup?: Result;
    }

    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      connections?: number;
      duration?: number;
      warmup?: { connections?: number; duration?: number };
      verifyBody?: (body: string) => boolean;
      /** Requests in all; with it, duration is ignored. */
      amount?: number;
      requests?: Array<{
        setupRequest?: (request: { body?: string }) => { body?: string };
        onResponse?: (status: number, body: string) => void;
      }>;
    }

    interface Instance extends PromiseLike<Result> {
      on(
        event: 'response',
        listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void,
      ): this;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;

  export = autocannon;
}

declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** The client model; its Schema's invalidate() refuses client metadata (recipes relax it). */
    Client: { Schema: { prototype: { invalidate(message: string, code?: string): void } } };
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ uid: string; params: Record<string, unknown> }>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    Grant: new (properties: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
  };
}
