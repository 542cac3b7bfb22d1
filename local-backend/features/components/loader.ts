/** What the module loader asks of the components feature (its registration point in runtime/modules.ts). */
import type { ComponentLoader } from "../../runtime/modules";
import { planComponents } from "./definitions";
import { componentInstances } from "./tree";

export const componentLoader: ComponentLoader = { plan: planComponents, instances: componentInstances };
