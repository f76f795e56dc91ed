; fixpoint extras for JavaScript (imports are in ecmascript.scm): inheritance, module-level
; constants.

(class_declaration name: (_) @inherit.class (class_heritage (identifier) @inherit.base))
(class_declaration name: (_) @inherit.class (class_heritage (member_expression property: (property_identifier) @inherit.base)))

(program (lexical_declaration (variable_declarator name: (identifier) @name value: [(number) (string) (object) (array) (call_expression) (new_expression) (template_string) (member_expression)])) @definition.constant)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name value: [(number) (string) (object) (array) (call_expression) (new_expression) (template_string) (member_expression)])) @definition.constant))
(method_definition name: (property_identifier) @name (#eq? @name "constructor")) @definition.method

((identifier) @name @reference.identifier)
