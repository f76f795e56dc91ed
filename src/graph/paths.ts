/** What a repository path says by its shape alone: its module name, and whether it is test or peripheral code. */

/** "a/b/c.py" → "a.b.c" (and "a/b/__init__.py" → "a.b"): the dotted module name of a path. */
export function moduleName(path: string): string {
  return path
    .replace(/\.[^./]+$/, "")
    .replace(/\/(__init__|index|mod)$/, "")
    .split("/")
    .join(".");
}

export function isTestPath(path: string): boolean {
  return /(^|\/)(tests?|testing|__tests__|spec)(\/|$)|(^|\/)test_[^/]*$|_test\.[a-z]+$|\.(test|spec)\.[a-z]+$|(^|\/)conftest\.py$/.test(
    path,
  );
}

/** Documentation, examples and vendored or minified assets: rarely where an issue is fixed. */
export function isPeripheralPath(path: string): boolean {
  return /(^|\/)(docs?|examples?|vendor|vendored|third_party|extern|cextern|static)\/|\.min\.[a-z]+$|(^|\/)setup\.py$/.test(
    path,
  );
}
