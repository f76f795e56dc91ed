export function add(a, b) {
  return a + b;
}

export function parse(text) {
  const n = JSON.parse(text);
  return n.value;
}
