// The summary after a text edit: flagged segments can be marked checked.
import { enableChecks } from "./flags.js";

enableChecks();
