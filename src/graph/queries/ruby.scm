; fixpoint extras for Ruby: require/require_relative, inheritance.

((call method: (identifier) @_m arguments: (argument_list (string (string_content) @import.module))) @import.statement
  (#match? @_m "^(require|require_relative|load)$"))
(class name: (constant) @inherit.class superclass: (superclass (constant) @inherit.base))
(class name: (constant) @inherit.class superclass: (superclass (scope_resolution name: (constant) @inherit.base)))
