; fixpoint extras for TypeScript/TSX (imports are in ecmascript.scm): inheritance, types, enums,
; module-level constants.

(class_declaration name: (_) @inherit.class (class_heritage (extends_clause value: (identifier) @inherit.base)))
(class_declaration name: (_) @inherit.class (class_heritage (extends_clause value: (member_expression property: (property_identifier) @inherit.base))))
(class_declaration name: (_) @inherit.class (class_heritage (implements_clause (type_identifier) @inherit.base)))
(abstract_class_declaration name: (_) @inherit.class (class_heritage (extends_clause value: (identifier) @inherit.base)))
(abstract_class_declaration name: (_) @inherit.class (class_heritage (implements_clause (type_identifier) @inherit.base)))
(interface_declaration name: (_) @inherit.class (extends_type_clause (type_identifier) @inherit.base))

(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(program (lexical_declaration (variable_declarator name: (identifier) @name value: [(number) (string) (object) (array) (call_expression) (new_expression) (template_string) (member_expression) (as_expression)])) @definition.constant)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name value: [(number) (string) (object) (array) (call_expression) (new_expression) (template_string) (member_expression) (as_expression)])) @definition.constant))
(method_definition name: (property_identifier) @name (#eq? @name "constructor")) @definition.method

(type_identifier) @name @reference.type
((identifier) @name @reference.identifier)
