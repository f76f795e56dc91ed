export function add(a, b) {
  return a + b;
}

export function parse(text) {
  return JSON.parse(text).value;
}
