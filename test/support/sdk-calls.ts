// Which AWS SDK v3 commands a handler can send (every `new <Name>Command(` whose class comes from an
// `@aws-sdk/client-*` package) and which named errors it can throw (every `new` of a class of core's errors.ts),
// reachable from the handler's export through the declarations its code refers to (symbol by symbol with the
// TypeScript checker, so a task importing one function of a module does not inherit the commands of its siblings).
import path from 'node:path';
import ts from 'typescript';

export interface SdkCall {
  /** The client package's service: `cloudformation`, `s3`, `sfn`, `codepipeline`, `glue`, `athena`, … */
  client: string;
  /** The operation: `CreateStack` for `CreateStackCommand`. */
  operation: string;
  /** Where the command is constructed (repo-relative path:line). */
  at: string;
}

export interface Entry {
  name: string;
  file: string;
  exportName: string;
}

const CLIENT_PACKAGE = /^@aws-sdk\/client-([a-z0-9-]+)$/;
const inNodeModules = (fileName: string): boolean => /[\\/]node_modules[\\/]/.test(fileName);

/** What a `new …(` reachable from an entry is, or undefined when it does not count. */
type NewVisitor<T> = (node: ts.NewExpression, tools: WalkTools) => { key: string; value: T } | undefined;

interface WalkTools {
  checker: ts.TypeChecker;
  /** The `@aws-sdk/client-*` service an identifier was imported from, following our own re-exports. */
  clientOf: (symbol: ts.Symbol | undefined) => string | undefined;
  /** An alias resolved to its declaration. */
  resolved: (symbol: ts.Symbol | undefined) => ts.Symbol | undefined;
}

/**
 * Every `new …(` reachable from each entry's export through the declarations its code refers to (symbol by symbol),
 * as `visit` names it, by entry name.
 */
const walkNews = <T>(entries: Entry[], repoRoot: string, visitNew: NewVisitor<T>): Map<string, T[]> => {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    esModuleInterop: true,
    resolveJsonModule: true,
    noLib: true,
    noEmit: true,
    types: [],
    baseUrl: repoRoot,
    paths: { '@glue-cd/*': ['packages/*/src'] },
  };
  // Packages are never parsed (the SDK's declarations alone take half a minute): a command is recognised by the
  // module its import names, so only our own sources need symbols.
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    inNodeModules(fileName)
      ? ts.createSourceFile(fileName, '', languageVersion)
      : getSourceFile(fileName, languageVersion, ...rest);
  const program = ts.createProgram(
    entries.map((e) => e.file),
    options,
    host,
  );
  const checker = program.getTypeChecker();
  const isOurs = (file: ts.SourceFile): boolean => !file.isDeclarationFile && !inNodeModules(file.fileName);
  const resolved = (symbol: ts.Symbol | undefined): ts.Symbol | undefined => {
    if (!symbol || !(symbol.flags & ts.SymbolFlags.Alias)) return symbol;
    const target = checker.getAliasedSymbol(symbol);
    return target.declarations?.length ? target : symbol;
  };
  /** The `@aws-sdk/client-*` service an identifier was imported from, following our own re-exports. */
  const clientOf = (symbol: ts.Symbol | undefined): string | undefined => {
    for (let current = symbol; current && current.flags & ts.SymbolFlags.Alias;) {
      const declaration = current.declarations?.[0];
      const importDeclaration = declaration && ts.findAncestor(declaration, ts.isImportDeclaration);
      const exportDeclaration = declaration && ts.findAncestor(declaration, ts.isExportDeclaration);
      const specifier = (importDeclaration ?? exportDeclaration)?.moduleSpecifier;
      const match = specifier && ts.isStringLiteral(specifier) ? specifier.text.match(CLIENT_PACKAGE) : null;
      if (match) return match[1];
      current = checker.getImmediateAliasedSymbol(current);
    }
    return undefined;
  };

  const result = new Map<string, T[]>();
  for (const entry of entries) {
    const source = program.getSourceFile(entry.file);
    if (!source) throw new Error(`${entry.file} is not part of the program`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    const exported = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === entry.exportName);
    if (!exported) throw new Error(`${entry.file} does not export ${entry.exportName}`);

    const calls = new Map<string, T>();
    const seen = new Set<ts.Node>();
    const queue: ts.Node[] = [...(resolved(exported)?.declarations ?? [])];
    const enqueue = (symbol: ts.Symbol | undefined) => {
      for (const declaration of resolved(symbol)?.declarations ?? []) {
        if (isOurs(declaration.getSourceFile()) && !seen.has(declaration)) queue.push(declaration);
      }
    };
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node)) {
        const found = visitNew(node, { checker, clientOf, resolved });
        if (found) calls.set(found.key, found.value);
      }
      if (ts.isIdentifier(node)) {
        enqueue(checker.getSymbolAtLocation(node));
        if (ts.isShorthandPropertyAssignment(node.parent)) {
          enqueue(checker.getShorthandAssignmentValueSymbol(node.parent));
        }
      }
      ts.forEachChild(node, visit);
    };
    while (queue.length > 0) {
      const node = queue.shift() as ts.Node;
      if (seen.has(node)) continue;
      seen.add(node);
      visit(node);
    }
    result.set(
      entry.name,
      [...calls.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, value]) => value),
    );
  }
  return result;
};

const where = (node: ts.Node, repoRoot: string): string => {
  const file = node.getSourceFile();
  return `${path.relative(repoRoot, file.fileName)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
};

/**
 * The class a `new` names: `new GetObjectCommand(`, or `new (sdk().GetObjectCommand)(` where `sdk()` is a module
 * loaded on first use (`require(…) as typeof import(…)`), whose export is then followed like an import.
 */
const constructedClass = (expression: ts.Expression): ts.Identifier | undefined => {
  let inner = expression;
  while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
  if (ts.isIdentifier(inner)) return inner;
  return ts.isPropertyAccessExpression(inner) && ts.isIdentifier(inner.name) ? inner.name : undefined;
};

/** The SDK calls reachable from each entry's export, by entry name. */
export const sdkCallsOf = (entries: Entry[], repoRoot: string): Map<string, SdkCall[]> =>
  walkNews<SdkCall>(entries, repoRoot, (node, { checker, clientOf }) => {
    const constructed = constructedClass(node.expression);
    const client = constructed && clientOf(checker.getSymbolAtLocation(constructed));
    const name = constructed?.text ?? '';
    if (!client || !name.endsWith('Command')) return undefined;
    const operation = name.slice(0, -'Command'.length);
    return { key: `${client}:${operation}`, value: { client, operation, at: where(node, repoRoot) } };
  });

export interface ConstructedError {
  /** The class name as declared (= the named error's code). */
  name: string;
  at: string;
}

/**
 * The classes declared in `errorsFile` (e.g. packages/core/src/errors.ts) constructed by code reachable from each
 * entry's export: the named errors a handler can throw, its edge's error mapping included.
 */
export const constructedErrorsOf = (
  entries: Entry[],
  repoRoot: string,
  errorsFile: string,
): Map<string, ConstructedError[]> =>
  walkNews<ConstructedError>(entries, repoRoot, (node, { checker, resolved }) => {
    const declaration = resolved(checker.getSymbolAtLocation(node.expression))?.declarations?.[0];
    if (!declaration || !ts.isClassDeclaration(declaration) || !declaration.name) return undefined;
    if (path.resolve(declaration.getSourceFile().fileName) !== path.resolve(errorsFile)) return undefined;
    const name = declaration.name.text;
    return { key: name, value: { name, at: where(node, repoRoot) } };
  });
