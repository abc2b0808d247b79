// aws-local-stepfunctions 3 uses Promise.withResolvers, which Node 20 lacks (Node >= 22 has it).
import './scripts/promise-with-resolvers';

// The SDK warns once per process that its 2027 releases need Node 22; tests run on the machine's Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
