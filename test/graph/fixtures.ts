/** Small real code in every supported language, written into temporary repositories. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const FIXTURES: Record<string, string> = {
  "pkg/__init__.py": "from .shapes import Shape\n",
  "pkg/shapes.py": `"""Shapes."""
import math
from .util import clamp

RATIO = 2


class Shape:
    """A shape."""

    def area(self) -> float:
        """Area of the shape."""
        return 0.0


class Circle(Shape):
    def __init__(self, r):
        self.r = clamp(r)

    def area(self) -> float:
        return math.pi * self.r ** 2
`,
  "pkg/util.py": `def clamp(x, lo=0, hi=100):
    """Clamp x into [lo, hi]."""
    return max(lo, min(hi, x))
`,
  "app/main.py": `from pkg.shapes import Circle
import pkg.util


def total_area(rs):
    return sum(Circle(r).area() for r in rs) + pkg.util.clamp(1)
`,
  "web/src/math.ts": `/** Adds two numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

export interface Named {
  name: string;
}

export class Counter implements Named {
  name = "counter";
  private n = 0;
  increment(by: number): number {
    this.n = add(this.n, by);
    return this.n;
  }
}
`,
  "web/src/index.ts": `import { add, Counter } from "./math.js";
import { helper } from "./lib";

export function run(): number {
  const c = new Counter();
  return c.increment(add(1, 2)) + helper();
}
`,
  "web/src/lib/index.ts": `export const LIMIT = 10;
export function helper(): number {
  return LIMIT;
}
`,
  "web/src/view.tsx": `import { add } from "./math";
export function View(props: { a: number }) {
  return <div>{add(props.a, 1)}</div>;
}
`,
  "web/old.js": `const path = require("path");
class Base {}
class Widget extends Base {
  render() { return path.join("a", "b"); }
}
function make() { return new Widget(); }
module.exports = { make };
`,
  "go.mod": "module example.com/demo\n\ngo 1.21\n",
  "geo/geo.go": `package geo

// Point is a 2D point.
type Point struct {
	X, Y float64
}

// Norm returns the squared length.
func (p Point) Norm() float64 {
	return p.X*p.X + p.Y*p.Y
}

func Origin() Point { return Point{} }
`,
  "cmd/main.go": `package main

import (
	"fmt"
	"example.com/demo/geo"
)

func main() {
	fmt.Println(geo.Origin().Norm())
}
`,
  "rs/src/lib.rs": `mod shapes;
use crate::shapes::Square;

pub fn total(s: &Square) -> f64 {
    s.area()
}
`,
  "rs/src/shapes.rs": `pub trait Area {
    fn area(&self) -> f64;
}

pub struct Square {
    pub side: f64,
}

impl Area for Square {
    fn area(&self) -> f64 {
        self.side * self.side
    }
}
`,
  "java/com/ex/Animal.java": `package com.ex;

public class Animal {
    public String speak() { return "..."; }
}
`,
  "java/com/ex/Dog.java": `package com.ex;

import com.ex.Animal;

public class Dog extends Animal {
    @Override
    public String speak() { return bark(); }
    private String bark() { return "woof"; }
}
`,
  "c/util.h": "int twice(int x);\n",
  "c/util.c": `#include "util.h"
int twice(int x) { return x * 2; }
int quad(int x) { return twice(twice(x)); }
`,
  "cpp/shape.cpp": `#include <cmath>
namespace geo {
class Shape { public: virtual double area() const = 0; };
class Sq : public Shape {
 public:
  double area() const override { return s * s; }
  double s;
};
}
`,
  "cs/Greeter.cs": `namespace Demo {
  public class Greeter {
    public string Greet(string n) { return Format(n); }
    private string Format(string n) { return "hi " + n; }
  }
}
`,
  "rb/greeter.rb": `require_relative "helper"
class Greeter < Base
  def greet(name)
    helper_format(name)
  end
end
`,
  "rb/helper.rb": `def helper_format(n)
  "hi #{n}"
end
`,
  "php/Greeter.php": `<?php
namespace App;
class Greeter extends Base {
  public function greet($n) { return $this->format($n); }
  private function format($n) { return "hi " . $n; }
}
`,
};

export function writeRepo(files: Record<string, string>, opts: { git?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "fp-graph-"));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  if (opts.git) {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
    git("init", "-q");
    git("-c", "user.email=t@t", "-c", "user.name=t", "add", "-A");
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init");
  }
  return dir;
}

export function tempCache(): string {
  return mkdtempSync(join(tmpdir(), "fp-graph-cache-"));
}
