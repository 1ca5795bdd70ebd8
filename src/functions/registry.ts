import type { HttpHandler, TimerHandler } from "@azure/functions";

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
    };

/** The parts of `app` from @azure/functions that registration uses. */
export interface AppLike {
  timer(name: string, options: { schedule: string; runOnStartup: boolean; handler: TimerHandler }): void;
  http(
    name: string,
    options: { route: string; methods: Array<"GET" | "POST">; authLevel: "function" | "admin"; handler: HttpHandler },
  ): void;
}

export function registerAll(app: AppLike, triggers: readonly TriggerDef[]): void {
  for (const t of triggers) {
    if (t.kind === "timer")
      app.timer(t.name, { schedule: t.schedule, runOnStartup: t.runOnStartup, handler: t.handler });
    else app.http(t.name, { route: t.route, methods: t.methods, authLevel: t.authLevel, handler: t.handler });
  }
}
