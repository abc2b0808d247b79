import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';

// `pnpm deps:check`: every declared dependency is used, every import is declared, each in the right section.
// Run time (a package's src/ and bin/) imports need `dependencies`; tests, scripts and config may use the package's
// devDependencies or the root's (the shared toolbox); a devDependency may also be a tool named in scripts or config.

/** One thing wrong with a package.json, named so it can be fixed without reading the checker. */
export interface DependencyProblem {
  /** The package.json, from the repository root. */
  manifest: string;
  dependency: string;
  problem: string;
}

export interface DependencyCheck {
  problems: DependencyProblem[];
  packages: number;
  files: number;
  imports: number;
}

type Section = 'dependencies' | 'devDependencies' | 'peerDependencies' | 'optionalDependencies';
const SECTIONS: Section[] = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
const RUNTIME_SECTIONS: Section[] = ['dependencies', 'peerDependencies', 'optionalDependencies'];

interface Manifest {
  name?: string;
  scripts?: Record<string, string>;
  [section: string]: unknown;
}

interface Workspace {
  /** Folder from the repository root; '' for the root. */
  dir: string;
  manifest: Manifest;
  declared: Map<string, Section>;
}

/** An import found in a source file. */
export interface ImportUse {
  /** The package name (`@scope/name` or `name`), or `node:` for a built-in module. */
  name: string;
  typeOnly: boolean;
}

const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.serverless', '.esbuild', 'dist', 'coverage', 'reports']);
const BUILTINS = new Set(builtinModules);
// Files whose text names the tools they run (binaries, presets, plugins): a devDependency named there is used.
const TOOL_FILES =
  /(^|\/)(serverless\.ya?ml|jest\.config\.[cm]?[jt]s|eslint\.config\.[cm]?js|tsconfig[\w.]*\.json|\.prettierrc(\.json|\.ya?ml)?)$/;
const TOOL_DIRS = ['buildspecs', '.ci'];
const REQUIRE_CALLS = new Set(['require', 'require.resolve', 'import', 'jest.mock', 'jest.requireActual']);

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative paths, aliases and URLs → undefined. */
export const packageName = (specifier: string): string | undefined => {
  if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0]!)) return 'node:';
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*/i.test(specifier) || specifier.startsWith('.')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

/** The DefinitelyTyped package that types `name`: `@types/foo`, `@types/scope__foo`. */
const typesPackage = (name: string): string =>
  `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;

/** The imports of one source file: import/export from, require, require.resolve, import(), jest.mock, import types. */
export const importsOf = (fileName: string, text: string): ImportUse[] => {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const uses: ImportUse[] = [];
  const add = (specifier: ts.Node | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const name = packageName(specifier.text);
    if (name !== undefined) uses.push({ name, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            bindings !== undefined &&
            ts.isNamedImports(bindings) &&
            bindings.elements.length > 0 &&
            bindings.elements.every((element) => element.isTypeOnly)));
      add(node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression.kind === ts.SyntaxKind.ImportKeyword ? 'import' : node.expression.getText(source);
      // require.resolve(x, { paths }) resolves from another folder: not this package's dependency.
      if (REQUIRE_CALLS.has(callee) && !(callee === 'require.resolve' && node.arguments.length > 1)) {
        add(node.arguments[0], false);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const reference of source.typeReferenceDirectives) uses.push({ name: reference.fileName, typeOnly: true });
  return uses;
};

const readJson = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** The workspace folders of pnpm-workspace.yaml (`dir/*` patterns), each with a package.json. */
const workspaceDirs = (root: string): string[] => {
  const file = path.join(root, 'pnpm-workspace.yaml');
  if (!existsSync(file)) return [];
  const patterns = ((parseYaml(readFileSync(file, 'utf8')) as { packages?: string[] } | null)?.packages ?? []).map(
    (pattern) => pattern.replace(/\/$/, ''),
  );
  return patterns
    .flatMap((pattern) => {
      if (!pattern.endsWith('/*')) return [pattern];
      const parent = pattern.slice(0, -2);
      if (!existsSync(path.join(root, parent))) return [];
      return readdirSync(path.join(root, parent), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${parent}/${entry.name}`);
    })
    .filter((dir) => existsSync(path.join(root, dir, 'package.json')))
    .sort();
};

const filesUnder = (root: string, dir: string, skip: Set<string>): string[] => {
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !skip.has(child)) walk(child);
      } else if (entry.isFile()) {
        out.push(child);
      }
    }
  };
  walk(dir);
  return out.sort();
};

/** The installed package.json of a dependency, from the nearest node_modules. */
const installedManifest = (root: string, workspace: Workspace, name: string): Manifest | undefined => {
  for (const base of [path.join(root, workspace.dir), root]) {
    const file = path.join(base, 'node_modules', name, 'package.json');
    if (existsSync(file)) return readJson(file);
  }
  return undefined;
};

/** The binaries a dependency installs (its package.json `bin`). */
const binariesOf = (root: string, workspace: Workspace, name: string): string[] => {
  const bin = installedManifest(root, workspace, name)?.bin;
  if (typeof bin === 'string') return [name.split('/').pop()!];
  return bin && typeof bin === 'object' ? Object.keys(bin) : [];
};

/** Adds to `used` the declared peer dependencies of what is in it: a peer is the consumer's to install. */
const addPeers = (root: string, workspace: Workspace, used: Set<string>) => {
  for (const name of [...used]) {
    const peers = installedManifest(root, workspace, name)?.peerDependencies as Record<string, string> | undefined;
    for (const peer of Object.keys(peers ?? {})) if (workspace.declared.has(peer)) used.add(peer);
  }
};

const mentions = (text: string, word: string): boolean =>
  new RegExp(`(^|[^\\w@/.-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w/-]|$)`, 'm').test(text);

/** Checks the package.json files of the repository at `root` against the imports of its source files. */
export const checkDependencies = (root: string): DependencyCheck => {
  const dirs = workspaceDirs(root);
  const workspaces: Workspace[] = ['', ...dirs].map((dir) => {
    const manifest = readJson(path.join(root, dir, 'package.json'));
    const declared = new Map<string, Section>();
    for (const section of SECTIONS) {
      for (const name of Object.keys((manifest[section] as Record<string, string> | undefined) ?? {})) {
        if (!declared.has(name)) declared.set(name, section);
      }
    }
    return { dir, manifest, declared };
  });
  const [rootWorkspace] = workspaces as [Workspace];
  const problems: DependencyProblem[] = [];
  const manifestOf = (workspace: Workspace) =>
    workspace.dir === '' ? 'package.json' : `${workspace.dir}/package.json`;
  const problem = (workspace: Workspace, dependency: string, text: string) =>
    problems.push({ manifest: manifestOf(workspace), dependency, problem: text });

  for (const workspace of workspaces) {
    for (const name of Object.keys((workspace.manifest.dependencies as object | undefined) ?? {})) {
      if (Object.hasOwn((workspace.manifest.devDependencies as object | undefined) ?? {}, name)) {
        problem(workspace, name, 'declared in both dependencies and devDependencies');
      }
    }
  }

  // Who uses what: runtime (value imports from src/ or bin/), or any use at all.
  const runtimeUse = new Map<Workspace, Set<string>>(workspaces.map((w) => [w, new Set()]));
  const anyUse = new Map<Workspace, Set<string>>(workspaces.map((w) => [w, new Set()]));
  const importedAnywhere = new Set<string>();
  const toolTexts = new Map<Workspace, string[]>(workspaces.map((w) => [w, Object.values(w.manifest.scripts ?? {})]));
  let files = 0;
  let imports = 0;

  for (const workspace of workspaces) {
    const skip = workspace.dir === '' ? new Set(dirs) : new Set<string>();
    for (const file of filesUnder(root, workspace.dir, skip)) {
      const inWorkspace = workspace.dir === '' ? file : file.slice(workspace.dir.length + 1);
      if (TOOL_FILES.test(file)) toolTexts.get(workspace)!.push(readFileSync(path.join(root, file), 'utf8'));
      if (workspace.dir === '' && TOOL_DIRS.some((dir) => file.startsWith(`${dir}/`))) {
        toolTexts.get(workspace)!.push(readFileSync(path.join(root, file), 'utf8'));
      }
      if (!SOURCE.test(file)) continue;
      files += 1;
      const runtime = workspace.dir !== '' && /^(src|bin)\//.test(inWorkspace) && !/\.test\.[cm]?[jt]s$/.test(file);
      for (const use of importsOf(file, readFileSync(path.join(root, file), 'utf8'))) {
        imports += 1;
        if (use.name === 'node:') {
          anyUse.get(workspace)!.add('@types/node');
          importedAnywhere.add('node');
          continue;
        }
        importedAnywhere.add(use.name);
        if (use.name === workspace.manifest.name) continue;
        const candidates = use.typeOnly ? [use.name, typesPackage(use.name)] : [use.name];
        const own = candidates.find((name) => workspace.declared.has(name));
        if (runtime && !use.typeOnly) {
          const section = own === undefined ? undefined : workspace.declared.get(own);
          if (section === undefined) {
            problem(workspace, use.name, `imported by ${file} but not declared in dependencies`);
          } else if (!RUNTIME_SECTIONS.includes(section)) {
            problem(workspace, use.name, `imported at run time by ${file}: move it from ${section} to dependencies`);
          } else {
            runtimeUse.get(workspace)!.add(use.name);
          }
          if (own !== undefined) anyUse.get(workspace)!.add(own);
          continue;
        }
        if (own !== undefined) {
          anyUse.get(workspace)!.add(own);
          continue;
        }
        const shared = runtime ? undefined : candidates.find((name) => rootWorkspace.declared.has(name));
        if (shared !== undefined) {
          anyUse.get(rootWorkspace)!.add(shared);
          continue;
        }
        problem(
          workspace,
          use.name,
          `imported by ${file} but not declared${runtime ? '' : ' (here or in the root devDependencies)'}`,
        );
      }
    }
  }

  const allToolText = [...toolTexts.values()].flat().join('\n');
  for (const workspace of workspaces) {
    const used = anyUse.get(workspace)!;
    addPeers(root, workspace, runtimeUse.get(workspace)!);
    addPeers(root, workspace, used);
    const text = workspace === rootWorkspace ? allToolText : toolTexts.get(workspace)!.join('\n');
    const isTool = (name: string) => [name, ...binariesOf(root, workspace, name)].some((word) => mentions(text, word));
    const typesUsed = (name: string) => {
      const typed = name.startsWith('@types/') ? name.slice('@types/'.length).replace(/^(.+)__/, '@$1/') : undefined;
      if (typed === undefined) return false;
      return workspace === rootWorkspace ? importedAnywhere.has(typed) || isTool(typed) : used.has(typed);
    };
    for (const [name, section] of workspace.declared) {
      if (section === 'peerDependencies') continue;
      if (RUNTIME_SECTIONS.includes(section) && workspace !== rootWorkspace) {
        if (runtimeUse.get(workspace)!.has(name)) continue;
        if (used.has(name) || typesUsed(name)) {
          problem(workspace, name, `only tests, scripts or types use it: move it from ${section} to devDependencies`);
        } else {
          problem(workspace, name, `declared in ${section} but never imported`);
        }
        continue;
      }
      if (used.has(name) || typesUsed(name) || isTool(name)) continue;
      problem(workspace, name, `declared in ${section} but never imported nor named as a tool in scripts or config`);
    }
  }

  problems.sort((a, b) => a.manifest.localeCompare(b.manifest) || a.dependency.localeCompare(b.dependency));
  // One problem per file and dependency is enough to act on.
  const unique = problems.filter(
    (p, i) => i === 0 || p.manifest !== problems[i - 1]!.manifest || p.dependency !== problems[i - 1]!.dependency,
  );
  return { problems: unique, packages: workspaces.length, files, imports };
};

export const formatDependencyCheck = (check: DependencyCheck): string =>
  check.problems.length === 0
    ? `dependencies: ${check.packages} package.json files agree with ${check.imports} imports in ${check.files} files\n`
    : `${check.problems.map((p) => `${p.manifest}: ${p.dependency}: ${p.problem}`).join('\n')}\n` +
      `dependencies: ${check.problems.length} problem(s); fix the package.json files (pnpm add / pnpm remove)\n`;
