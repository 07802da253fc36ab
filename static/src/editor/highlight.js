// Class names for the HCL tokens; static/css/imagehub.css gives them their colours.

import { syntaxHighlighting } from "@codemirror/language";
import { tagHighlighter, tags } from "@lezer/highlight";

export const hclHighlighting = syntaxHighlighting(
  tagHighlighter([
    { tag: tags.comment, class: "hcl-comment" },
    { tag: tags.keyword, class: "hcl-keyword" },
    { tag: tags.labelName, class: "hcl-label" },
    { tag: tags.definition(tags.propertyName), class: "hcl-attribute" },
    { tag: tags.propertyName, class: "hcl-property" },
    { tag: tags.special(tags.string), class: "hcl-heredoc" },
    { tag: tags.escape, class: "hcl-escape" },
    { tag: tags.string, class: "hcl-string" },
    { tag: tags.special(tags.brace), class: "hcl-interpolation" },
    { tag: tags.number, class: "hcl-number" },
    { tag: [tags.bool, tags.null], class: "hcl-atom" },
    { tag: tags.function(tags.variableName), class: "hcl-function" },
    { tag: tags.variableName, class: "hcl-variable" },
    { tag: tags.operator, class: "hcl-operator" },
    { tag: tags.bracket, class: "hcl-bracket" },
    { tag: tags.invalid, class: "hcl-invalid" },
  ]),
);
