/**
 * The import rules of src/ (npm run lint:deps, part of npm run lint). Layers, top to bottom:
 *   src/index.ts, src/cli.ts   entry points
 *   src/functions/             triggers
 *   src/app/                   the composition root: builds config, clients and features once
 *   src/azure/                 adapters (Azure SDK clients bound to our ports)
 *   src/config/                settings
 *   checks, ingestion, rotation, alerts    the features (domain)
 *   src/report/                the Report model and its renderers
 *   src/connector/, src/core/  shared value types and helpers
 * Imports only point down.
 */
const ENTRY = "^src/(index|cli)[.]ts$";
const DOMAIN = "^src/(checks|ingestion|rotation|alerts)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A module must not reach itself through its imports (type-only imports included).",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-imports-only-core",
      severity: "error",
      comment: "src/core is the bottom layer: it imports nothing else of ours.",
      from: { path: "^src/core/" },
      to: { path: "^src/", pathNot: "^src/core/" },
    },
    {
      name: "connector-imports-only-core",
      severity: "error",
      comment: "The connector profile is data: it may use src/core only.",
      from: { path: "^src/connector/" },
      to: { path: "^src/", pathNot: "^src/(core|connector)/" },
    },
    {
      name: "report-imports-only-core",
      severity: "error",
      comment: "The Report model and its renderers sit below the features: no alerts, checks, ingestion, rotation.",
      from: { path: "^src/report/" },
      to: { path: "^src/", pathNot: "^src/(core|report|connector)/" },
    },
    {
      name: "domain-not-upward",
      severity: "error",
      comment: "The features do not import the triggers, the composition root, the entry points nor the adapters.",
      from: { path: DOMAIN },
      to: { path: ["^src/(functions|app|azure)/", ENTRY] },
    },
    {
      name: "domain-not-config",
      comment:
        "The features get their settings as parameters; only the cloud profile type (config/clouds.ts) is shared.",
      severity: "error",
      from: { path: DOMAIN },
      to: { path: "^src/config/", pathNot: "^src/config/clouds[.]ts$" },
    },
    {
      name: "config-not-upward",
      severity: "error",
      comment: "Settings do not import the triggers, the composition root, the entry points nor the adapters.",
      from: { path: "^src/config/" },
      to: { path: ["^src/(functions|app|azure)/", ENTRY] },
    },
    {
      name: "azure-not-upward",
      severity: "error",
      comment: "The adapters do not import the triggers, the composition root nor the entry points.",
      from: { path: "^src/azure/" },
      to: { path: ["^src/(functions|app)/", ENTRY] },
    },
    {
      name: "app-not-upward",
      severity: "error",
      comment: "The composition root does not import the triggers nor the entry points.",
      from: { path: "^src/app/" },
      to: { path: ["^src/functions/", ENTRY] },
    },
    {
      name: "functions-not-entry",
      severity: "error",
      comment: "A trigger does not import the entry points.",
      from: { path: "^src/functions/" },
      to: { path: ENTRY },
    },
    {
      name: "src-not-test-or-emulator",
      severity: "error",
      comment: "The product never imports the tests or the emulator.",
      from: { path: "^src/" },
      to: { path: "^(test|emulator|bench)/" },
    },
    {
      name: "no-orphans",
      severity: "error",
      comment: "A module of src that nothing imports and that imports nothing is dead.",
      from: { orphan: true, path: "^src/", pathNot: "[.]d[.]ts$" },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
