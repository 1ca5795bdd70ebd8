export { startEmulator } from "./server.js";
export type { Emulator, EmulatorOptions, FaultRule, CallRecord, Service, KeeperPushResult } from "./server.js";
export { ensureCertificate, generateCertificate } from "./cert.js";
export { SCENARIOS, findScenario } from "./scenarios.js";
export type { ScenarioDefinition, ScenarioContext, RotationPhase } from "./scenarios.js";
export type {
  EmulatorState,
  AppRegistration,
  PasswordCredential,
  RoleAssignment,
  TableStore,
  VaultSecret,
  VaultSecretVersion,
  IngestionCall,
  ArmResource,
} from "./state.js";
export * as ids from "./constants.js";
export { seedFleet, storeAppSecret, fleetWorkspaceIds, type FleetOptions } from "./fleet.js";
