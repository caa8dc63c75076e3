// `npm run build`, second step: the workflow bundle next to the compiled code (dist/).
import { builtBundlePath, writeWorkflowBundle } from './workflow-bundle.js';

await writeWorkflowBundle(builtBundlePath);
console.log(`workflow bundle: ${builtBundlePath}`);
