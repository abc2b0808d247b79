// aws-local-stepfunctions 3 uses Promise.withResolvers, which Node 20 lacks (Node >= 22 has it).
import './scripts/promise-with-resolvers';
