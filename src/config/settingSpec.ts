/** One setting: its name, default and meaning (README's settings table is checked against the list). */
export interface SettingSpec {
  name: string;
  /** true: always required; "custom-cloud": required only when AZURE_CLOUD=Custom. */
  required: boolean | "custom-cloud";
  default?: string;
  /** A secret value: never logged, never printed, a Key Vault reference in Azure. */
  secret?: boolean;
  description: string;
}
