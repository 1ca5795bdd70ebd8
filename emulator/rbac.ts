/**
 * The monitor identity's Azure RBAC, as a compiled ARM template (infra/azuredeploy.json) grants
 * it: every Microsoft.Authorization/roleAssignments resource whose principal is a template output
 * (the user-assigned identity), its scope resolved against the emulator's resource ids, and its
 * role's actions (built-in roles from the table below, custom roles from the template's own
 * Microsoft.Authorization/roleDefinitions). The emulator answers a read outside these grants as
 * ARM does: 403 AuthorizationFailed.
 *
 * Only the ARM expression functions a Bicep build emits for names and scopes are evaluated; a
 * role assignment whose scope or role cannot be resolved fails loudly, so a template change that
 * this reader does not understand breaks the tests instead of granting silently.
 */
import { createHash } from "node:crypto";
import { scopeCovers } from "./http.js";

export interface Grant {
  /** Full ARM id the role is assigned at (applies there and below). */
  scope: string;
  role: string;
  actions: string[];
  notActions: string[];
}

interface RolePermissions {
  name: string;
  actions: string[];
  notActions: string[];
}

/**
 * Built-in roles the template may assign, with their documented control-plane actions
 * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles, the JSON of each
 * role). Data actions are not needed: the emulator checks control-plane reads and Log Analytics
 * queries only.
 */
export const BUILT_IN_ROLES: Readonly<Record<string, RolePermissions>> = {
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": { name: "Reader", actions: ["*/read"], notActions: [] },
  "43d0d8ad-25c7-4714-9337-8ba259a9fe05": {
    name: "Monitoring Reader",
    actions: ["*/read", "Microsoft.OperationalInsights/workspaces/search/action", "Microsoft.Support/*"],
    notActions: [],
  },
  "73c42c96-874c-492b-b04d-ab87d138a893": {
    name: "Log Analytics Reader",
    actions: [
      "*/read",
      "Microsoft.OperationalInsights/workspaces/analytics/query/action",
      "Microsoft.OperationalInsights/workspaces/search/action",
      "Microsoft.Support/*",
    ],
    notActions: ["Microsoft.OperationalInsights/workspaces/sharedKeys/read"],
  },
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": {
    name: "Key Vault Secrets Officer",
    actions: [
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Support/*",
      "Microsoft.KeyVault/checkNameAvailability/read",
      "Microsoft.KeyVault/deletedVaults/read",
      "Microsoft.KeyVault/locations/*/read",
      "Microsoft.KeyVault/vaults/*/read",
      "Microsoft.KeyVault/operations/read",
    ],
    notActions: [],
  },
  // Reads Sentinel's data connectors, and also queries every table of the workspace
  // (workspaces/analytics/query/action), which the template's table-level access avoids.
  "8d289c81-5878-46d4-8554-54e1e3d8b5cb": {
    name: "Microsoft Sentinel Reader",
    actions: [
      "Microsoft.SecurityInsights/*/read",
      "Microsoft.SecurityInsights/dataConnectorsCheckRequirements/action",
      "Microsoft.SecurityInsights/threatIntelligence/indicators/query/action",
      "Microsoft.SecurityInsights/threatIntelligence/queryIndicators/action",
      "Microsoft.OperationalInsights/workspaces/analytics/query/action",
      "Microsoft.OperationalInsights/workspaces/*/read",
      "Microsoft.OperationalInsights/workspaces/LinkedServices/read",
      "Microsoft.OperationalInsights/workspaces/savedSearches/read",
      "Microsoft.OperationsManagement/solutions/read",
      "Microsoft.OperationalInsights/workspaces/query/read",
      "Microsoft.OperationalInsights/workspaces/query/*/read",
      "Microsoft.OperationalInsights/querypacks/*/read",
      "Microsoft.OperationalInsights/workspaces/dataSources/read",
      "Microsoft.Insights/workbooks/read",
      "Microsoft.Insights/myworkbooks/read",
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Resources/templateSpecs/*/read",
      "Microsoft.Support/*",
    ],
    notActions: [
      "Microsoft.SecurityInsights/ConfidentialWatchlists/*",
      "Microsoft.OperationalInsights/workspaces/query/ConfidentialWatchlist/*",
    ],
  },
  "3913510d-42f4-4e42-8a64-420c390055eb": {
    name: "Monitoring Metrics Publisher",
    actions: [
      "Microsoft.Insights/Register/Action",
      "Microsoft.Support/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
    ],
    notActions: [],
  },
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": {
    name: "Storage Blob Data Owner",
    actions: [
      "Microsoft.Storage/storageAccounts/blobServices/containers/*",
      "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
    ],
    notActions: [],
  },
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88": {
    name: "Storage Queue Data Contributor",
    actions: [
      "Microsoft.Storage/storageAccounts/queueServices/queues/delete",
      "Microsoft.Storage/storageAccounts/queueServices/queues/read",
      "Microsoft.Storage/storageAccounts/queueServices/queues/write",
    ],
    notActions: [],
  },
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": {
    name: "Storage Table Data Contributor",
    actions: [
      "Microsoft.Storage/storageAccounts/tableServices/tables/read",
      "Microsoft.Storage/storageAccounts/tableServices/tables/write",
      "Microsoft.Storage/storageAccounts/tableServices/tables/delete",
    ],
    notActions: [],
  },
};

/** An action pattern with `*` wildcards, matched case-insensitively as ARM does. */
function matches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map(escapeRe).join(".*")}$`, "i");
  return re.test(action);
}
const escapeRe = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");

/** Whether some grant allows `action` at `scope` (actions minus notActions, scope inherited downwards). */
export function permits(grants: readonly Grant[], action: string, scope: string): boolean {
  return grants.some(
    (g) =>
      scopeCovers(g.scope, scope) &&
      g.actions.some((a) => matches(a, action)) &&
      !g.notActions.some((a) => matches(a, action)),
  );
}

// ---------------------------------------------------------------------------------------------
// A small concrete evaluator of ARM template expressions
// ---------------------------------------------------------------------------------------------

type J = null | boolean | number | string | J[] | { [k: string]: J };
type Obj = { [k: string]: J };

/** A value only known at deployment (reference(), a principal id): kept as text. */
class Unknown {
  constructor(readonly text: string) {}
}
type V = J | Unknown | V[] | { [k: string]: V };

interface Frame {
  template: Obj;
  params: Record<string, V>;
  subscriptionId: string;
  resourceGroup: string;
  copy?: { name: string; index: number };
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[i] === "'" && text[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else s += text[i++];
      }
      out.push(`'${s}`);
    } else if ("(),.[]".includes(c)) {
      out.push(c);
      i++;
    } else {
      const m = /^[A-Za-z0-9_$-]+/.exec(text.slice(i));
      if (!m) throw new Error(`unexpected '${c}' in ${text}`);
      out.push(m[0]);
      i += m[0].length;
    }
  }
  return out;
}

function evalExpression(text: string, f: Frame): V {
  const t = tokenize(text);
  let p = 0;
  const next = () => t[p++] ?? "";
  const expect = (tok: string) => {
    if (next() !== tok) throw new Error(`expected ${tok} in ${text}`);
  };
  const primary = (): V => {
    const tok = next();
    if (tok.startsWith("'")) return tok.slice(1);
    if (/^-?\d+$/.test(tok)) return Number(tok);
    if (tok === "true" || tok === "false") return tok === "true";
    expect("(");
    const args: V[] = [];
    if (t[p] === ")") p++;
    else
      for (;;) {
        args.push(postfix());
        const sep = next();
        if (sep === ")") break;
        if (sep !== ",") throw new Error(`expected , or ) in ${text}`);
      }
    return call(tok, args, f);
  };
  const postfix = (): V => {
    let v = primary();
    for (;;) {
      if (t[p] === ".") {
        p++;
        const name = next();
        v = v instanceof Unknown ? new Unknown(`${v.text}.${name}`) : member(v, name);
      } else if (t[p] === "[") {
        p++;
        const idx = postfix();
        expect("]");
        v = v instanceof Unknown ? new Unknown(`${v.text}[]`) : member(v, idx as string | number);
      } else return v;
    }
  };
  const v = postfix();
  if (p !== t.length) throw new Error(`unexpected text in ${text}`);
  return v;
}

function member(v: V, key: string | number): V {
  // a property the emulator's frame does not model (environment().suffixes.storage, …): not needed for scopes
  if (v === null) return new Unknown(`.${String(key)}`);
  if (Array.isArray(v) && typeof key === "number") return v[key] ?? null;
  if (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Unknown)) {
    const k = Object.keys(v).find((x) => x.toLowerCase() === String(key).toLowerCase());
    return k === undefined ? null : (v[k] ?? null);
  }
  throw new Error(`cannot read ${String(key)} of ${JSON.stringify(v)}`);
}

const str = (v: V): string => {
  if (v instanceof Unknown) return `<${v.text}>`;
  return typeof v === "string" ? v : JSON.stringify(v);
};

/** ARM guid(): deterministic from its arguments (the exact algorithm does not matter here). */
function guid(args: V[]): string {
  const h = createHash("sha1").update(args.map(str).join("|")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function resourceIdOf(f: Frame, args: V[], level: "group" | "subscription" | "tenant"): string {
  const a = args.map(str);
  const typeAt = a.findIndex((x) => x.includes("/"));
  if (typeAt < 0) throw new Error(`resourceId without a type: ${a.join(", ")}`);
  const [ns, ...types] = a[typeAt]!.split("/");
  const names = a.slice(typeAt + 1);
  const path = types.map((ty, i) => `${ty}/${names[i] ?? ""}`).join("/");
  const before = a.slice(0, typeAt);
  const sub =
    level === "group" ? (before.length === 2 ? before[0]! : f.subscriptionId) : (before[0] ?? f.subscriptionId);
  const rg = level === "group" ? (before.length === 2 ? before[1]! : (before[0] ?? f.resourceGroup)) : undefined;
  const prefix = level === "tenant" ? "" : `/subscriptions/${sub}${rg === undefined ? "" : `/resourceGroups/${rg}`}`;
  return `${prefix}/providers/${ns}/${path}`;
}

function call(name: string, args: V[], f: Frame): V {
  const [a0, a1, a2] = args;
  switch (name.toLowerCase()) {
    case "parameters": {
      const key = str(a0 ?? null);
      if (key in f.params) return f.params[key]!;
      const decl = (f.template.parameters as Obj | undefined)?.[key] as Obj | undefined;
      if (decl && "defaultValue" in decl) return evaluate(decl.defaultValue ?? null, f);
      return new Unknown(`parameters('${key}')`);
    }
    case "variables": {
      const vars = (f.template.variables ?? {}) as Obj;
      return evaluate(vars[str(a0 ?? null)] ?? null, f);
    }
    case "reference":
    case "listkeys":
    case "utcnow":
    case "newguid":
      return new Unknown(`${name}(${args.map(str).join(", ")})`);
    case "guid":
      return guid(args);
    case "uniquestring":
      // deterministic like ARM's (13 lower-case characters); the exact hash does not matter here
      return createHash("sha1").update(args.map(str).join("|")).digest("hex").slice(0, 13);
    case "copyindex":
      return (f.copy?.index ?? 0) + (typeof a0 === "number" ? a0 : typeof a1 === "number" ? a1 : 0);
    case "split":
      return str(a0 ?? null).split(str(a1 ?? null));
    case "last":
      return Array.isArray(a0) ? (a0[a0.length - 1] ?? null) : str(a0 ?? null).slice(-1);
    case "first":
      return Array.isArray(a0) ? (a0[0] ?? null) : str(a0 ?? null).slice(0, 1);
    case "length":
      return Array.isArray(a0) ? a0.length : str(a0 ?? null).length;
    case "take":
      if (typeof a1 !== "number") return new Unknown(`take(${args.map(str).join(", ")})`);
      return Array.isArray(a0) ? a0.slice(0, Math.max(0, a1)) : str(a0 ?? null).slice(0, Math.max(0, a1));
    case "join":
      return Array.isArray(a0) ? a0.map(str).join(str(a1 ?? null)) : new Unknown(`join(${args.map(str).join(", ")})`);
    case "contains":
      // ARM: a string contains a substring (case-sensitive), an array an element, an object a key
      if (a0 instanceof Unknown || a1 instanceof Unknown) return new Unknown(`contains(${args.map(str).join(", ")})`);
      if (Array.isArray(a0)) return a0.some((x) => str(x) === str(a1 ?? null));
      if (typeof a0 === "string") return a0.includes(str(a1 ?? null));
      return (
        a0 !== null &&
        typeof a0 === "object" &&
        Object.keys(a0).some((k) => k.toLowerCase() === str(a1 ?? null).toLowerCase())
      );
    case "tolower":
      return str(a0 ?? null).toLowerCase();
    case "toupper":
      return str(a0 ?? null).toUpperCase();
    case "string":
      return str(a0 ?? null);
    case "format":
      return str(a0 ?? null).replace(/\{(\d+)(:[^}]*)?\}/g, (_m, i: string) => str(args[Number(i) + 1] ?? null));
    case "concat":
      return args.every(Array.isArray) ? args.flat() : args.map(str).join("");
    case "createarray":
      return args;
    case "createobject": {
      const o: { [k: string]: V } = {};
      for (let i = 0; i + 1 < args.length; i += 2) o[str(args[i]!)] = args[i + 1]!;
      return o;
    }
    case "if":
      return a0 === true ? (a1 ?? null) : (a2 ?? null);
    case "equals":
      return str(a0 ?? null).toLowerCase() === str(a1 ?? null).toLowerCase();
    case "not":
      return a0 !== true;
    case "and":
      return args.every((x) => x === true);
    case "or":
      return args.some((x) => x === true);
    case "empty":
      return a0 === null || a0 === "" || (Array.isArray(a0) && a0.length === 0);
    case "coalesce":
      return args.find((x) => x !== null) ?? null;
    case "resourcegroup":
      return {
        id: `/subscriptions/${f.subscriptionId}/resourceGroups/${f.resourceGroup}`,
        name: f.resourceGroup,
        location: "westeurope",
      };
    case "subscription":
      return { id: `/subscriptions/${f.subscriptionId}`, subscriptionId: f.subscriptionId };
    case "tenant":
      return { tenantId: new Unknown("tenantId") };
    case "environment":
      return { name: "AzureCloud" };
    case "resourceid":
      return resourceIdOf(f, args, "group");
    case "subscriptionresourceid":
      return resourceIdOf(f, args, "subscription");
    case "tenantresourceid":
      return resourceIdOf(f, args, "tenant");
    case "extensionresourceid": {
      const [scope, ...rest] = args;
      return `${str(scope ?? null)}${resourceIdOf(f, rest, "tenant")}`;
    }
    default:
      return new Unknown(`${name}(${args.map(str).join(", ")})`);
  }
}

function evaluate(v: J, f: Frame): V {
  if (typeof v === "string") {
    if (v.startsWith("[[")) return v.slice(1);
    if (v.startsWith("[") && v.endsWith("]")) return evalExpression(v.slice(1, -1), f);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => evaluate(x, f));
  if (v && typeof v === "object") {
    const o: { [k: string]: V } = {};
    for (const [k, x] of Object.entries(v)) o[k] = evaluate(x, f);
    return o;
  }
  return v;
}

function resources(template: Obj): Obj[] {
  const r = template.resources;
  const items = Array.isArray(r) ? r : r && typeof r === "object" ? Object.values(r) : [];
  return items.filter((x): x is Obj => !!x && typeof x === "object" && !Array.isArray(x));
}

/** Each copy of a resource (ARM `copy` loops), with its condition evaluated. */
function instances(res: Obj, f: Frame): Frame[] {
  const copy = res.copy as Obj | undefined;
  const frames: Frame[] = [];
  if (copy) {
    const count = evaluate(copy.count ?? 0, f);
    if (typeof count !== "number") throw new Error(`copy count not known: ${JSON.stringify(copy.count)}`);
    for (let index = 0; index < count; index++) frames.push({ ...f, copy: { name: String(copy.name), index } });
  } else frames.push(f);
  return frames.filter((x) => res.condition === undefined || evaluate(res.condition, x) !== false);
}

interface Found {
  res: Obj;
  f: Frame;
}

function walk(f: Frame, out: Found[]): void {
  for (const res of resources(f.template)) {
    for (const g of instances(res, f)) {
      out.push({ res, f: g });
      const props = res.properties as Obj | undefined;
      if (String(res.type).toLowerCase() !== "microsoft.resources/deployments" || !props?.template) continue;
      const passed = (props.parameters ?? {}) as Obj;
      const params: Record<string, V> = {};
      for (const [k, p] of Object.entries(passed)) params[k] = evaluate((p as Obj).value ?? null, g);
      const sub = res.subscriptionId === undefined ? g.subscriptionId : str(evaluate(res.subscriptionId, g));
      const rg = res.resourceGroup === undefined ? g.resourceGroup : str(evaluate(res.resourceGroup, g));
      walk({ template: props.template as Obj, params, subscriptionId: sub, resourceGroup: rg }, out);
    }
  }
}

/** A scope as written in a template: a full id, or "Type/name[/child/name]" relative to the deployment's group. */
function absoluteScope(scope: V, f: Frame): string {
  const s = str(scope);
  if (s.startsWith("/")) return s;
  return `/subscriptions/${f.subscriptionId}/resourceGroups/${f.resourceGroup}/providers/${s}`;
}

export interface TemplateDeployment {
  /** Values of the template's parameters (the rest take their defaults); a list for an array parameter. */
  parameters: Record<string, string | string[]>;
  subscriptionId: string;
  resourceGroup: string;
}

/** The grants a compiled template makes to the principal it creates (a template output, not a literal id). */
export function grantsFromTemplate(template: unknown, at: TemplateDeployment): Grant[] {
  const found: Found[] = [];
  walk(
    {
      template: template as Obj,
      params: { ...at.parameters },
      subscriptionId: at.subscriptionId,
      resourceGroup: at.resourceGroup,
    },
    found,
  );
  const custom = new Map<string, RolePermissions>();
  for (const { res, f } of found) {
    if (String(res.type).toLowerCase() !== "microsoft.authorization/roledefinitions") continue;
    const props = evaluate(res.properties ?? {}, f) as { [k: string]: V };
    const perms = (Array.isArray(props.permissions) ? props.permissions : []) as Array<{ [k: string]: V }>;
    custom.set(str(evaluate(res.name ?? null, f)).toLowerCase(), {
      name: str(props.roleName ?? "custom role"),
      actions: perms.flatMap((p) => (Array.isArray(p.actions) ? p.actions.map(str) : [])),
      notActions: perms.flatMap((p) => (Array.isArray(p.notActions) ? p.notActions.map(str) : [])),
    });
  }
  const grants: Grant[] = [];
  for (const { res, f } of found) {
    if (String(res.type).toLowerCase() !== "microsoft.authorization/roleassignments") continue;
    const props = evaluate(res.properties ?? {}, f) as { [k: string]: V };
    // The monitor's identity is created by the template: its principal id is only known at deployment.
    if (!(props.principalId instanceof Unknown)) continue;
    const roleId = str(props.roleDefinitionId ?? null)
      .split("/")
      .pop()!
      .toLowerCase();
    const role = BUILT_IN_ROLES[roleId] ?? custom.get(roleId);
    if (!role)
      throw new Error(
        `role ${roleId} assigned by the template is neither built in (emulator/rbac.ts) nor defined in it`,
      );
    const scope =
      res.scope === undefined
        ? `/subscriptions/${f.subscriptionId}/resourceGroups/${f.resourceGroup}`
        : absoluteScope(evaluate(res.scope, f), f);
    if (scope.includes("<")) throw new Error(`scope of a ${role.name} assignment cannot be resolved: ${scope}`);
    grants.push({ scope, role: role.name, actions: role.actions, notActions: role.notActions });
  }
  return grants;
}
