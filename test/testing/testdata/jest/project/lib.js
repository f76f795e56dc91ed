function add(a, b) {
  return a + b;
}

function parse(text) {
  return JSON.parse(text).value;
}

module.exports = { add, parse };
