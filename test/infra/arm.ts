/**
 * Reads a compiled ARM template (bicep build output) the way the tests need it: every resource,
 * nested deployments included, with ARM expressions partly evaluated. Only what can be known
 * without deploying is evaluated (literals, parameters, variables, createArray/createObject,
 * concat, format, if, subscriptionResourceId); anything else stays as an opaque expression text.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

// ---------------------------------------------------------------------------------------------
// ARM expression parser: [fn(arg, ...).prop[index] ...]
// ---------------------------------------------------------------------------------------------

export type Ast =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "call"; name: string; args: Ast[] }
  | { kind: "member"; target: Ast; name: string }
  | { kind: "index"; target: Ast; index: Ast };

export function parseExpression(text: string): Ast {
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`ARM expression: ${why} at ${pos} in ${text}`);
  };
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos] ?? "")) pos++;
  };
  const primary = (): Ast => {
    skipSpace();
    const c = text[pos];
    if (c === "'") {
      let value = "";
      pos++;
      for (;;) {
        if (pos >= text.length) fail("unterminated string");
        const ch = text[pos] ?? "";
        if (ch === "'") {
          if (text[pos + 1] === "'") {
            value += "'";
            pos += 2;
            continue;
          }
          pos++;
          return { kind: "string", value };
        }
        value += ch;
        pos++;
      }
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(pos));
    if (num) {
      pos += num[0].length;
      return { kind: "number", value: Number(num[0]) };
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(pos));
    if (!ident) return fail("expected a value");
    pos += ident[0].length;
    skipSpace();
    if (text[pos] !== "(") return fail(`expected ( after ${ident[0]}`);
    pos++;
    const args: Ast[] = [];
    skipSpace();
    if (text[pos] === ")") pos++;
    else {
      for (;;) {
        args.push(postfix());
        skipSpace();
        if (text[pos] === ",") pos++;
        else if (text[pos] === ")") {
          pos++;
          break;
        } else fail("expected , or )");
      }
    }
    return { kind: "call", name: ident[0], args };
  };
  const postfix = (): Ast => {
    let node = primary();
    for (;;) {
      skipSpace();
      if (text[pos] === ".") {
        pos++;
        const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(text.slice(pos));
        if (!m) return fail("expected a property name");
        pos += m[0].length;
        node = { kind: "member", target: node, name: m[0] };
      } else if (text[pos] === "[") {
        pos++;
        const index = postfix();
        skipSpace();
        if (text[pos] !== "]") fail("expected ]");
        pos++;
        node = { kind: "index", target: node, index };
      } else return node;
    }
  };
  const ast = postfix();
  skipSpace();
  if (pos !== text.length) fail("unexpected text");
  return ast;
}

export function astToText(ast: Ast): string {
  switch (ast.kind) {
    case "string":
      return `'${ast.value.replaceAll("'", "''")}'`;
    case "number":
      return String(ast.value);
    case "call":
      return `${ast.name}(${ast.args.map(astToText).join(", ")})`;
    case "member":
      return `${astToText(ast.target)}.${ast.name}`;
    case "index":
      return `${astToText(ast.target)}[${astToText(ast.index)}]`;
  }
}

// ---------------------------------------------------------------------------------------------
// Partial evaluation
// ---------------------------------------------------------------------------------------------

/** A value only known at deployment time; `text` is the expression with what is known inlined. */
export interface Opaque {
  opaque: string;
}
/** One of several values, decided at deployment time (ARM `if`). */
export interface Either {
  either: Value[];
}
export type Value = null | boolean | number | string | Opaque | Either | Value[] | { [key: string]: Value };

export function isOpaque(v: Value): v is Opaque {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "opaque" in v && typeof v.opaque === "string";
}
export function isEither(v: Value): v is Either {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "either" in v && Array.isArray(v.either);
}
function isPlainObject(v: Value): v is { [key: string]: Value } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isOpaque(v) && !isEither(v);
}

/** Where an expression is evaluated: a template and the parameter values its caller passed. */
export interface Scope {
  template: JsonObject;
  /** Parameter values from the enclosing deployment, each to be evaluated in `parent`. */
  args: JsonObject;
  parent: Scope | undefined;
  /** Deployment names from the root, for messages. */
  path: string[];
}

const MAX_DEPTH = 50;

function asObject(v: Json | undefined): JsonObject | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v : undefined;
}

/** Evaluates a template value (JSON with "[expr]" strings) as far as it can be known statically. */
export function evaluate(value: Json | undefined, scope: Scope, depth = 0): Value {
  if (depth > MAX_DEPTH) return { opaque: "<too deep>" };
  if (value === undefined) return null;
  if (typeof value === "string") {
    if (value.startsWith("[[")) return value.slice(1);
    if (value.startsWith("[") && value.endsWith("]")) {
      return evalAst(parseExpression(value.slice(1, -1)), scope, depth + 1);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => evaluate(v, scope, depth + 1));
  if (typeof value === "object" && value !== null) {
    const out: { [key: string]: Value } = {};
    for (const [k, v] of Object.entries(value)) out[k] = evaluate(v, scope, depth + 1);
    return out;
  }
  return value;
}

function valueToText(v: Value): string {
  if (v === null) return "null()";
  if (typeof v === "string") return `'${v.replaceAll("'", "''")}'`;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "true()" : "false()";
  if (isOpaque(v)) return v.opaque;
  if (isEither(v)) return `either(${v.either.map(valueToText).join(", ")})`;
  if (Array.isArray(v)) return `createArray(${v.map(valueToText).join(", ")})`;
  return `createObject(${Object.entries(v)
    .map(([k, x]) => `${valueToText(k)}, ${valueToText(x)}`)
    .join(", ")})`;
}

function lookupParameter(name: string, scope: Scope, depth: number): Value {
  const passed = asObject(scope.args[name]);
  if (passed && "value" in passed && scope.parent) return evaluate(passed.value, scope.parent, depth + 1);
  const declared = asObject(asObject(scope.template.parameters)?.[name]);
  if (declared && "defaultValue" in declared) {
    const dflt = evaluate(declared.defaultValue, scope, depth + 1);
    // A caller (or a parameters file) may override a default: keep it visible as "parameter".
    return { opaque: `parameters('${name}' default ${valueToText(dflt)})` };
  }
  return { opaque: `parameters('${name}')` };
}

function evalAst(ast: Ast, scope: Scope, depth: number): Value {
  if (depth > MAX_DEPTH) return { opaque: "<too deep>" };
  const opaque = (): Opaque => ({ opaque: astToText(ast) });
  switch (ast.kind) {
    case "string":
      return ast.value;
    case "number":
      return ast.value;
    case "member": {
      const target = evalAst(ast.target, scope, depth + 1);
      if (isPlainObject(target) && ast.name in target) return target[ast.name] ?? null;
      return { opaque: `${valueToText(target)}.${ast.name}` };
    }
    case "index": {
      const target = evalAst(ast.target, scope, depth + 1);
      const index = evalAst(ast.index, scope, depth + 1);
      if (Array.isArray(target) && typeof index === "number") return target[index] ?? null;
      return { opaque: `${valueToText(target)}[${valueToText(index)}]` };
    }
    case "call":
      break;
  }
  const args = () => ast.args.map((a) => evalAst(a, scope, depth + 1));
  const name = ast.name.toLowerCase();
  switch (name) {
    case "parameters":
    case "variables": {
      const [first] = ast.args;
      if (ast.args.length !== 1 || first?.kind !== "string") return opaque();
      if (name === "parameters") return lookupParameter(first.value, scope, depth);
      const vars = asObject(scope.template.variables);
      if (!vars || !(first.value in vars)) return opaque();
      return evaluate(vars[first.value], scope, depth + 1);
    }
    case "createarray":
      return args();
    case "createobject": {
      const a = args();
      const out: { [key: string]: Value } = {};
      for (let i = 0; i + 1 < a.length; i += 2) {
        const k = a[i];
        if (typeof k !== "string") return { opaque: `createObject(${a.map(valueToText).join(", ")})` };
        out[k] = a[i + 1] ?? null;
      }
      return out;
    }
    case "concat": {
      const a = args();
      if (a.every((x) => Array.isArray(x) || (isEither(x) && x.either.every(Array.isArray)))) {
        // Arrays: keep conditional parts as Either elements, flattened by the callers.
        return a.flatMap((x) => (Array.isArray(x) ? x : [x]));
      }
      if (a.every((x) => typeof x === "string" || typeof x === "number")) return a.join("");
      return { opaque: `concat(${a.map(valueToText).join(", ")})` };
    }
    case "if": {
      const [, whenTrue, whenFalse] = args();
      return { either: [whenTrue ?? null, whenFalse ?? null] };
    }
    case "format": {
      const [fmt, ...rest] = args();
      if (typeof fmt === "string" && rest.every((x) => typeof x === "string" || typeof x === "number")) {
        return fmt.replace(/\{(\d+)\}/g, (_m, i: string) => String(rest[Number(i)]));
      }
      return { opaque: `format(${[fmt ?? null, ...rest].map(valueToText).join(", ")})` };
    }
    default:
      return { opaque: `${ast.name}(${args().map(valueToText).join(", ")})` };
  }
}

/** Flattens arrays whose parts are conditional: every element that may be there, with a flag. */
export function possibleElements(v: Value): { value: Value; conditional: boolean }[] {
  const out: { value: Value; conditional: boolean }[] = [];
  const visit = (x: Value, conditional: boolean) => {
    if (Array.isArray(x)) x.forEach((e) => visitElement(e, conditional));
    else if (isEither(x)) x.either.forEach((o) => visit(o, true));
  };
  const visitElement = (e: Value, conditional: boolean) => {
    if (isEither(e) && e.either.every((o) => Array.isArray(o) || o === null)) e.either.forEach((o) => visit(o, true));
    else out.push({ value: e, conditional });
  };
  visit(v, false);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

export interface FoundResource {
  resource: JsonObject;
  scope: Scope;
}

function resourceList(template: JsonObject): JsonObject[] {
  const r = template.resources;
  // languageVersion 2.0 templates keep resources in an object keyed by symbolic name.
  const items = Array.isArray(r) ? r : asObject(r) ? Object.values(asObject(r) ?? {}) : [];
  return items.flatMap((x) => (asObject(x) ? [asObject(x) as JsonObject] : []));
}

/** Every resource of the template, nested deployments' templates included (depth first). */
export function allResources(template: JsonObject): FoundResource[] {
  const out: FoundResource[] = [];
  const walk = (scope: Scope) => {
    for (const resource of resourceList(scope.template)) {
      out.push({ resource, scope });
      const type = typeof resource.type === "string" ? resource.type.toLowerCase() : "";
      const props = asObject(resource.properties);
      const inner = asObject(props?.template);
      if (type === "microsoft.resources/deployments" && props && inner) {
        const name = evaluate(resource.name, scope);
        walk({
          template: inner,
          args: asObject(props.parameters) ?? {},
          parent: scope,
          path: [...scope.path, typeof name === "string" ? name : valueToText(name)],
        });
      }
    }
  };
  walk({ template, args: {}, parent: undefined, path: [] });
  return out;
}

export function resourcesOfType(template: JsonObject, type: string): FoundResource[] {
  return allResources(template).filter(
    (r) => typeof r.resource.type === "string" && r.resource.type.toLowerCase() === type.toLowerCase(),
  );
}

export function textOf(v: Value): string {
  return typeof v === "string" ? v : valueToText(v);
}

// ---------------------------------------------------------------------------------------------
// What the tests ask
// ---------------------------------------------------------------------------------------------

export interface AppSetting {
  name: string;
  /** The value as far as known: a literal, or expression text with the known parts inlined. */
  value: string;
  /** Set only on some deployments (inside an ARM `if`). */
  conditional: boolean;
  site: string;
}

/** App settings of every Function App / web app (properties.siteConfig.appSettings). */
export function appSettings(template: JsonObject): AppSetting[] {
  const out: AppSetting[] = [];
  for (const { resource, scope } of resourcesOfType(template, "Microsoft.Web/sites")) {
    const siteConfig = asObject(asObject(resource.properties)?.siteConfig);
    const site = textOf(evaluate(resource.name, scope));
    const value = evaluate(siteConfig?.appSettings, scope);
    for (const { value: item, conditional } of possibleElements(value)) {
      if (!isPlainObject(item) || typeof item.name !== "string") {
        throw new Error(`app setting of ${site} whose name cannot be read statically: ${textOf(item)}`);
      }
      out.push({ name: item.name, value: textOf(item.value ?? null), conditional, site });
    }
    if (!Array.isArray(value) && !isEither(value)) {
      throw new Error(`appSettings of ${site} cannot be read statically: ${textOf(value)}`);
    }
  }
  return out;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export interface RoleAssignment {
  /** The role definition GUID, lower case; undefined when it cannot be resolved statically. */
  roleId: string | undefined;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  scope: string;
  deployment: string;
}

/** Every Microsoft.Authorization/roleAssignments resource, with the role GUID resolved. */
export function roleAssignments(template: JsonObject): RoleAssignment[] {
  return resourcesOfType(template, "Microsoft.Authorization/roleAssignments").map(({ resource, scope }) => {
    const props = asObject(resource.properties) ?? {};
    const roleDefinitionId = textOf(evaluate(props.roleDefinitionId, scope));
    // The role is the last GUID of the role definition id (…/roleDefinitions/<guid>).
    const guids = roleDefinitionId.match(GUID) ?? [];
    const onlyRoleDefinition = /roleDefinitions/i.test(roleDefinitionId) || /^[0-9a-f-]{36}$/i.test(roleDefinitionId);
    return {
      roleId: onlyRoleDefinition && guids.length > 0 ? guids[guids.length - 1]?.toLowerCase() : undefined,
      roleDefinitionId,
      principalId: textOf(evaluate(props.principalId, scope)),
      principalType: textOf(evaluate(props.principalType, scope)),
      scope: textOf(evaluate(resource.scope, scope)),
      deployment: scope.path.join(" > ") || "<root>",
    };
  });
}
