--[[
narasi.lua — run by `pandoc lua narasi.lua` (lkj.safe_markdown): analysts' narasi → safe Markdown.

Narasi files are written by other people than the one who builds the report, so they are read
as untrusted text. Each is parsed with a reader that has no raw HTML/TeX/typst, no attributes,
no divs or spans, no metadata and no citations; the tree is then cut down to plain formatting
(paragraphs, lists, quotes, emphasis, tables, notes, http(s)/mailto links) and written back as
Markdown in which every ASCII punctuation character of the text is backslash-escaped, so that
nothing in it can be read as markup again (a ":::" or "{…}" prints as itself). Every block is
read back with the report's own reader and must give the same tree; a block that does not is
printed as plain text instead (and reported).

Input (stdin, JSON): {reader, doc_reader, texts: [{name, text}]}.
Output (stdout, JSON): [{name, markdown, found: [{kind, value}]}], kinds: image, link, plain,
error. Before each text its name goes to stderr ("narasi NAME"), so that a text that makes
pandoc hang or run out of memory can be named by the caller.
]]

local stringify = pandoc.utils.stringify
local job = pandoc.json.decode(io.read("a"), false)

local found -- what was refused or changed in the current text

local function note(kind, value) found[#found + 1] = { kind = kind, value = value } end

local SAFE_LINK = { "^https?://[^%s%c]+$", "^mailto:[^%s%c]+$" }
local function safe_target(target)
  local t = target:lower()
  for _, p in ipairs(SAFE_LINK) do if t:match(p) then return true end end
  return false
end

-- 1. Cut the tree down to what the serialiser below can write safely.
local function quoted(q)
  local open, close = "‘", "’"
  if q.quotetype == "DoubleQuote" then open, close = "“", "”" end
  local out = pandoc.Inlines({ pandoc.Str(open) })
  out:extend(q.content)
  out:insert(pandoc.Str(close))
  return out
end

local plain_attr = function(el) el.attr = pandoc.Attr(); return el end

-- Quarto runs a shortcode ({{< include … >}}, {{< env … >}}) even inside code, where no escape
-- applies: code that holds one becomes text, which the writer escapes.
local function shortcode(text) return text:find("{{[<%%]") ~= nil end
local function code_block(text)
  if not shortcode(text) then return pandoc.CodeBlock(text) end
  local lines = pandoc.Inlines({})
  for line in (text .. "\n"):gmatch("(.-)\n") do
    if #lines > 0 then lines:insert(pandoc.LineBreak()) end
    lines:extend(pandoc.Inlines(line))
  end
  return pandoc.Para(lines)
end

local restrict = {
  Image = function(img)
    note("image", img.src)
    return img.caption
  end,
  Link = function(l)
    if not safe_target(l.target) then
      note("link", l.target)
      return l.content
    end
    l.attr, l.title = pandoc.Attr(), ""
    return l
  end,
  Span = function(s) return s.content end,
  SmallCaps = function(s) return s.content end,
  Underline = function(s) return s.content end,
  Cite = function(c) return c.content end,
  Note = function(n)
    -- A note keeps its words, not its layout: one paragraph.
    local words = pandoc.Inlines({})
    for _, b in ipairs(n.content) do
      for w in stringify(b):gmatch("%S+") do
        if #words > 0 then words:insert(pandoc.Space()) end
        words:insert(pandoc.Str(w))
      end
    end
    return pandoc.Note({ pandoc.Para(words) })
  end,
  Quoted = quoted,
  Math = function(m) return pandoc.Str(m.text) end,
  RawInline = function(r) return pandoc.Str(r.text) end,
  SoftBreak = function() return pandoc.Space() end,
  Code = function(c) return shortcode(c.text) and pandoc.Inlines(c.text) or plain_attr(c) end,
  Div = function(d) return d.content end,
  Figure = function(f) return f.content end,
  RawBlock = function(r) return code_block(r.text) end,
  CodeBlock = function(c) return code_block(c.text) end,
  Header = function(h)
    -- The report's own headings use levels 1-3 (BAB, A., 1.): narasi headings go below them.
    return pandoc.Header(math.min(h.level + 3, 6), h.content)
  end,
  DefinitionList = function(dl)
    local out = pandoc.Blocks({})
    for _, item in ipairs(dl.content) do
      out:insert(pandoc.Para({ pandoc.Strong(item[1]) }))
      for _, def in ipairs(item[2]) do out:extend(def) end
    end
    return out
  end,
  Table = function(t)
    t.attr = pandoc.Attr()
    return t
  end,
}

-- 2. Markdown writer for that subset; text is escaped completely.
local function esc(s)
  return (s:gsub("%p", "\\%0")) -- %p is ASCII punctuation only: UTF-8 bytes are left alone
end

local function fence(text, char, min)
  local longest = 0
  for run in text:gmatch(char .. "+") do longest = math.max(longest, #run) end
  return string.rep(char, math.max(min, longest + 1))
end

local inlines_md, blocks_md

local function inline_md(il)
  local t = il.t
  if t == "Str" then return esc(il.text) end
  if t == "Space" or t == "SoftBreak" then return " " end
  if t == "LineBreak" then return "\\\n" end
  if t == "Emph" then return "*" .. inlines_md(il.content) .. "*" end
  if t == "Strong" then return "**" .. inlines_md(il.content) .. "**" end
  if t == "Strikeout" then return "~~" .. inlines_md(il.content) .. "~~" end
  if t == "Superscript" then return "^" .. inlines_md(il.content) .. "^" end
  if t == "Subscript" then return "~" .. inlines_md(il.content) .. "~" end
  if t == "Code" then
    local ticks = fence(il.text, "`", 1)
    local pad = (il.text:match("^`") or il.text:match("`$")) and " " or ""
    return ticks .. pad .. il.text .. pad .. ticks
  end
  if t == "Link" then
    local url = il.target:gsub("[%(%)\\<> ]", "\\%0")
    return "[" .. inlines_md(il.content) .. "](" .. url .. ")"
  end
  if t == "Note" then return "^[" .. inlines_md(il.content[1].content) .. "]" end
  return esc(stringify(il))
end

inlines_md = function(inls)
  local out = {}
  for _, il in ipairs(inls) do out[#out + 1] = inline_md(il) end
  return table.concat(out)
end

local function indent(text, first, rest)
  local out, n = {}, 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    local lead = n == 1 and first or rest
    out[#out + 1] = line == "" and "" or (lead .. line)
  end
  return table.concat(out, "\n")
end

local function to_letters(n, upper)
  local s = ""
  while n > 0 do
    n = n - 1
    s = string.char(97 + n % 26) .. s
    n = n // 26
  end
  return upper and s:upper() or s
end

local function to_roman(n, upper)
  local map = { { 1000, "m" }, { 900, "cm" }, { 500, "d" }, { 400, "cd" }, { 100, "c" }, { 90, "xc" },
    { 50, "l" }, { 40, "xl" }, { 10, "x" }, { 9, "ix" }, { 5, "v" }, { 4, "iv" }, { 1, "i" } }
  local s = ""
  for _, p in ipairs(map) do
    while n >= p[1] do s, n = s .. p[2], n - p[1] end
  end
  return upper and s:upper() or s
end

local function marker(attrs, n)
  local style, delim = attrs.style, attrs.delimiter
  local label = tostring(n)
  if style == "LowerAlpha" or style == "UpperAlpha" then label = to_letters(n, style == "UpperAlpha")
  elseif style == "LowerRoman" or style == "UpperRoman" then label = to_roman(n, style == "UpperRoman") end
  if delim == "OneParen" then return label .. ") " end
  if delim == "TwoParens" then return "(" .. label .. ") " end
  -- "B. Russell" is a name, not a list: pandoc wants two spaces after a capital letter + period.
  if style == "UpperAlpha" then return label .. ".  " end
  return label .. ". "
end

local function item_md(lead, blocks)
  return indent(blocks_md(blocks), lead, string.rep(" ", #lead))
end

local function list_md(items, lead_of)
  local tight = true
  for _, item in ipairs(items) do
    if item[1] ~= nil and item[1].t ~= "Plain" then tight = false end
  end
  local out = {}
  for i, item in ipairs(items) do out[#out + 1] = item_md(lead_of(i), item) end
  return table.concat(out, tight and "\n" or "\n\n")
end

local function cell_md(cell)
  local blocks = cell.contents
  if #blocks == 0 then return "" end
  if #blocks > 1 or (blocks[1].t ~= "Plain" and blocks[1].t ~= "Para")
      or cell.row_span ~= 1 or cell.col_span ~= 1 then
    return nil
  end
  return inlines_md(blocks[1].content)
end

local ALIGN = { AlignLeft = ":--", AlignRight = "--:", AlignCenter = ":-:", AlignDefault = "---" }

local function table_md(t)
  local rows = {}
  for _, r in ipairs(t.head.rows) do rows[#rows + 1] = r end
  if #rows ~= 1 then return nil end -- a pipe table has exactly one header row
  for _, body in ipairs(t.bodies) do
    if #body.head > 0 or body.row_head_columns > 0 then return nil end
    for _, r in ipairs(body.body) do rows[#rows + 1] = r end
  end
  if #t.foot.rows > 0 then return nil end
  local lines = {}
  for i, r in ipairs(rows) do
    local cells = {}
    for _, c in ipairs(r.cells) do
      local text = cell_md(c)
      if text == nil then return nil end
      cells[#cells + 1] = text
    end
    lines[#lines + 1] = "| " .. table.concat(cells, " | ") .. " |"
    if i == 1 then
      local marks = {}
      for _, spec in ipairs(t.colspecs) do marks[#marks + 1] = ALIGN[spec[1]] or "---" end
      lines[#lines + 1] = "|" .. table.concat(marks, "|") .. "|"
    end
  end
  local caption = stringify(t.caption.long)
  if caption ~= "" then lines[#lines + 1] = "\n: " .. esc(caption) end
  return table.concat(lines, "\n")
end

local function block_md(b)
  local t = b.t
  if t == "Para" or t == "Plain" then return inlines_md(b.content) end
  if t == "Header" then return string.rep("#", b.level) .. " " .. inlines_md(b.content) end
  if t == "HorizontalRule" then return "* * *" end
  if t == "CodeBlock" then
    local ticks = fence(b.text, "`", 3)
    return ticks .. "\n" .. b.text .. "\n" .. ticks
  end
  if t == "BlockQuote" then
    return (indent(blocks_md(b.content), "> ", "> "):gsub("\n\n", "\n>\n"))
  end
  if t == "LineBlock" then
    local lines = {}
    for _, l in ipairs(b.content) do lines[#lines + 1] = "| " .. inlines_md(l) end
    return table.concat(lines, "\n")
  end
  if t == "BulletList" then return list_md(b.content, function() return "- " end) end
  if t == "OrderedList" then
    local start = b.listAttributes.start or 1
    return list_md(b.content, function(i) return marker(b.listAttributes, start + i - 1) end)
  end
  if t == "Table" then return table_md(b) end
  return nil
end

blocks_md = function(blocks)
  local out = {}
  for i, b in ipairs(blocks) do
    local text = block_md(b) or esc(stringify(b))
    -- Inside a tight list item a sub-list follows its line directly (a blank line between
    -- them would make the item loose).
    if i > 1 then out[#out + 1] = blocks[i - 1].t == "Plain" and "\n" or "\n\n" end
    out[#out + 1] = text
  end
  return table.concat(out)
end

-- 3. Read each written block back as the report will; keep it only if nothing changed.
local function comparable(blocks)
  local doc = pandoc.Pandoc(blocks):walk({
    Inlines = function(inls) -- adjacent Str merged, so "“" + "x" equals "“x"
      local out = pandoc.Inlines({})
      for _, il in ipairs(inls) do
        local last = out[#out]
        if il.t == "SoftBreak" then il = pandoc.Space() end
        if il.t == "Str" and last ~= nil and last.t == "Str" then
          out[#out] = pandoc.Str(last.text .. il.text)
        else
          out:insert(il)
        end
      end
      return out
    end,
    Header = function(h) h.identifier = ""; return h end, -- the report's reader adds ids
  })
  return pandoc.write(doc, "native")
end

local function same_when_read(text, blocks)
  local ok, doc = pcall(pandoc.read, text, job.doc_reader)
  return ok and comparable(doc.blocks) == comparable(blocks)
end

local function as_plain(b)
  -- The block's text, one escaped paragraph per line: nothing in it is markup.
  local text = pandoc.write(pandoc.Pandoc({ b }), "plain", { wrap_text = "wrap-none" })
  local paras = {}
  for line in text:gmatch("[^\n]+") do
    if line:match("%S") then paras[#paras + 1] = esc((line:gsub("^%s+", ""))) end
  end
  return table.concat(paras, "\n\n")
end

local function safe_markdown(doc)
  -- Usually the whole text reads back unchanged: one check. Otherwise block by block.
  local parts, whole = {}, true
  for i, b in ipairs(doc.blocks) do
    parts[i] = block_md(b)
    whole = whole and parts[i] ~= nil
  end
  if whole and same_when_read(table.concat(parts, "\n\n"), doc.blocks) then
    return table.concat(parts, "\n\n")
  end
  local out = {}
  for i, b in ipairs(doc.blocks) do
    local text = parts[i]
    if text == nil or not same_when_read(text, { b }) then
      note("plain", stringify(b):sub(1, 60))
      text = as_plain(b)
    end
    if text ~= "" then out[#out + 1] = text end
  end
  return table.concat(out, "\n\n")
end

local results = {}
for _, item in ipairs(job.texts) do
  io.stderr:write("narasi " .. item.name .. "\n")
  io.stderr:flush()
  found = {}
  local ok, doc = pcall(pandoc.read, item.text, job.reader)
  local markdown = ""
  if ok then
    doc = doc:walk(restrict)
    markdown = safe_markdown(doc)
  else
    note("error", tostring(doc))
  end
  results[#results + 1] = { name = item.name, markdown = markdown, found = found }
end
io.stdout:write(pandoc.json.encode(results))
