// zod/mini for the schemas a Lambda builds (deploy input, CodePipeline job, continuation token, verdict, plan, deploy
// result): a fraction of classic zod's code to compile and of its work per schema at cold start. Mini loads no
// locale (every message would be "Invalid input"): English, as classic zod sets it, unless a locale is configured.
// A module with a side effect (package.json `sideEffects`), so that bundles keep it; `import * as z` keeps zod/mini's
// exports tree-shakeable.
import { config } from 'zod/mini';
import { en } from 'zod/locales';

if (!config().localeError) config(en());

export * from 'zod/mini';
