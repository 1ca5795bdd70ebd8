import type { HttpHandler, HttpResponseInit, StorageQueueHandler, TimerHandler } from "@azure/functions";

/** Every trigger of the app, as data, so a test can check schedules, routes and auth levels. */
export type TriggerDef =
  | { kind: "timer"; name: string; schedule: string; runOnStartup: false; handler: TimerHandler }
  | {
      kind: "http";
      name: string;
      route: string;
      methods: Array<"GET" | "POST">;
      authLevel: "function" | "admin";
      handler: HttpHandler;
    }
  | { kind: "queue"; name: string; queueName: string; connection: string; handler: StorageQueueHandler };

/** The parts of `app` from @azure/functions that registration uses. */
export interface AppLike {
  timer(name: string, options: { schedule: string; runOnStartup: boolean; handler: TimerHandler }): void;
  http(
    name: string,
    options: { route: string; methods: Array<"GET" | "POST">; authLevel: "function" | "admin"; handler: HttpHandler },
  ): void;
  storageQueue(name: string, options: { queueName: string; connection: string; handler: StorageQueueHandler }): void;
}

/** Every HTTP reply says `X-Content-Type-Options: nosniff`, so no browser reads JSON as HTML. */
export function withNoSniff(handler: HttpHandler): HttpHandler {
  return async (request, context) => {
    const res = await handler(request, context);
    const h = res.headers as unknown;
    // An HttpResponse carries a Headers object: set in place. The handlers here return plain objects.
    if (h && typeof (h as Headers).set === "function") {
      (h as Headers).set("x-content-type-options", "nosniff");
      return res;
    }
    const headers = new Headers(h as Record<string, string> | Array<[string, string]> | undefined);
    headers.set("x-content-type-options", "nosniff");
    return { ...(res as HttpResponseInit), headers: Object.fromEntries(headers) };
  };
}

export function registerAll(app: AppLike, triggers: readonly TriggerDef[]): void {
  for (const t of triggers) {
    if (t.kind === "timer")
      app.timer(t.name, { schedule: t.schedule, runOnStartup: t.runOnStartup, handler: t.handler });
    else if (t.kind === "queue")
      app.storageQueue(t.name, { queueName: t.queueName, connection: t.connection, handler: t.handler });
    else
      app.http(t.name, { route: t.route, methods: t.methods, authLevel: t.authLevel, handler: withNoSniff(t.handler) });
  }
}
