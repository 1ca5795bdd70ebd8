import { json, parseJsonBody, type EmuRequest, type EmuResponse, type RouteContext } from "../http.js";

export function teamsError(status: number, code: string, message: string): EmuResponse {
  return json(status, { error: { code, message } });
}

export function teamsRoute(ctx: RouteContext, req: EmuRequest): EmuResponse {
  const m = /^\/workflows\/([^/]+)\/triggers\/manual\/paths\/invoke\/?$/i.exec(req.path);
  if (!m) return teamsError(404, "WorkflowNotFound", "The requested workflow could not be found.");
  if (req.method !== "POST")
    return teamsError(405, "MethodNotAllowed", `The requested method ${req.method} is not allowed.`);
  if (m[1] !== ctx.state.teams.workflowId)
    return teamsError(404, "WorkflowNotFound", `The workflow '${m[1]}' could not be found.`);
  if (req.query.get("sig") !== ctx.state.teams.sig) {
    return teamsError(
      401,
      "DirectApiInvalidAuthorizationSignature",
      "The provided authorization signature is not valid.",
    );
  }
  if (req.body.length > 28 * 1024)
    return teamsError(413, "MessageTooLarge", "The request content length exceeds the limit of 28 KB.");
  let body: unknown;
  try {
    body = parseJsonBody(req);
  } catch {
    return teamsError(400, "InvalidRequestContent", "The request content is not valid JSON.");
  }
  ctx.state.teamsMessages.push({ workflowId: m[1], body, at: new Date(ctx.now()).toISOString() });
  return { status: 202 };
}
