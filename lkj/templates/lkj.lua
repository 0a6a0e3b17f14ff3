--[[
lkj.lua — pandoc Lua filter for the Laporan Kinerja (LKj) rendering layer.

Used by both engines:
  * embedded engine: pandoc + this filter + lkj.typ / html.html templates;
  * Quarto engine:   listed under `filters:` in _quarto.yml (runs before Quarto's own filters).

What it does (per output format: html, typst, docx):
  ::: {.cover}        cover page; placed before the table of contents, no page number
  ::: {.pagebreak}    forced page break (empty div)
  ::: {.signature}    signature block on the right half of the page: place/date, jabatan,
                      space to sign (inserted before the bold name), bold name, NIP
  ::: {.signatures}   two .signature divs side by side (left "Mengetahui", right the Kasi)
  ::: {.keep}         blocks kept on one page (typst: unbreakable block; HTML: class)
  ::: {.toc}          optional, empty: where the Daftar Isi goes; blocks before it (Kata
                      Pengantar, ...) come after the cover and before the Daftar Isi.
                      Without it the Daftar Isi follows the cover.
  Tables              column widths left to the engine (content-sized), HTML tables wrapped
                      in a horizontally scrollable div; captions are used verbatim
                      ("Tabel 3.1 ...") — no automatic "Tabel 1:" prefix is added anywhere
  @tbl-x / @fig-x     resolved to the number written in the caption ("Tabel 3.1") of the
                      table or figure (an image alone in its paragraph) with that id, as a
                      link; any other citation is printed literally
  Images (typst)      relative paths made absolute, found in one of the resource directories

Before anything else the whole document is cut down to lkj's own markup (own_markup below):
no raw HTML/typst/OpenXML, attributes only those lkj writes (the classes above, ids, image
sizes), links only http(s)://, mailto: and #anchors, images only relative paths inside the
report's folders (never a web address, never a file elsewhere). The report's text from the
inputs is escaped before it gets here (lkj.formatting.md, lkj.safe_markdown); this is the net
behind it, also for Quarto, whose reader keeps raw HTML. The filter only ever emits raw output
that it builds itself.
]]

local stringify = pandoc.utils.stringify

local FMT = FORMAT or "html"
local IS_HTML = FMT:match("html") ~= nil
local IS_TYPST = FMT:match("typst") ~= nil
local IS_DOCX = FMT:match("docx") ~= nil
local IN_QUARTO = (quarto ~= nil)

-- Paragraph styles created in the DOCX (their layout is added by lkj.render when the
-- style has no paragraph properties yet, so a reference.docx can override them).
local DOCX_STYLE_COVER = "Sampul"
local DOCX_STYLE_SIGNATURE = "Tanda Tangan"
local DOCX_STYLE_SIGNATURE_COL = "Tanda Tangan Kolom"

local function has_class(el, name)
  return el.classes ~= nil and el.classes:includes(name)
end

local function raw_typst(s) return pandoc.RawBlock("typst", s) end
local function raw_openxml(s) return pandoc.RawBlock("openxml", s) end

local function meta_string(meta, key, default)
  local v = meta[key]
  if v == nil then return default end
  local s = stringify(v)
  if s == "" then return default end
  return s
end

local function meta_bool(meta, key, default)
  local v = meta[key]
  if v == nil then return default end
  if type(v) == "boolean" then return v end
  local s = stringify(v):lower()
  if s == "true" or s == "yes" or s == "1" then return true end
  if s == "false" or s == "no" or s == "0" then return false end
  return default
end

local function xml_escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

local OPENXML_PAGEBREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
-- Section ends of the DOCX (a sectPr closes the section before it): the cover, unnumbered;
-- the front matter, numbered i, ii, …; the body (the document's last sectPr) starts at 1.
-- lkj.render completes them with page size, margins and footers (_patch_document).
local OPENXML_END_COVER = '<w:p><w:pPr><w:sectPr><w:type w:val="nextPage"/></w:sectPr></w:pPr></w:p>'
local OPENXML_END_FRONT = '<w:p><w:pPr><w:sectPr><w:type w:val="nextPage"/>' ..
  '<w:pgNumType w:fmt="lowerRoman" w:start="1"/></w:sectPr></w:pPr></w:p>'

local function pagebreak_blocks()
  if IS_TYPST then
    return { raw_typst("#pagebreak(weak: true)") }
  elseif IS_DOCX then
    return { raw_openxml(OPENXML_PAGEBREAK) }
  else
    return { pandoc.Div({}, pandoc.Attr("", { "pagebreak" })) }
  end
end

local function is_pagebreak(b)
  return b ~= nil and b.t == "Div" and has_class(b, "pagebreak")
end

------------------------------------------------------------------------------
-- lkj's own markup only (the net behind the escaping of every input)
------------------------------------------------------------------------------

local OWN_CLASSES = { cover = true, pagebreak = true, signature = true, signatures = true,
  keep = true, ["cover-office"] = true, toc = true, unnumbered = true, unlisted = true }
local SIZE_UNITS = { [""] = true, ["%"] = true, cm = true, mm = true, ["in"] = true, pt = true,
  px = true }

local function own_attr(el, sizes)
  local classes = {}
  for _, c in ipairs(el.classes) do
    -- Quarto wraps notebook outputs in .cell divs it needs for its own layout.
    if OWN_CLASSES[c] or (IN_QUARTO and c:match("^cell")) then classes[#classes + 1] = c end
  end
  local attrs = {}
  if sizes then
    for _, key in ipairs({ "width", "height" }) do
      local value = el.attributes[key]
      local unit = value and value:match("^%d+%.?%d*(%a*%%?)$")
      if unit and SIZE_UNITS[unit] then attrs[key] = value end
    end
  end
  local id = el.identifier:match("^[%w][%w%-_.:]*$") or ""
  el.attr = pandoc.Attr(id, classes, attrs)
  return el
end

local function own_link(l)
  local t = l.target:lower()
  if t:match("^https?://[^%s%c]+$") or t:match("^mailto:[^%s%c]+$")
      or l.target:match("^#[%w][%w%-_.:]*$") then
    l.title = ""
    return own_attr(l)
  end
  return l.content
end

local IMAGE_TYPES = { png = true, jpg = true, jpeg = true }

local function own_image(img)
  local src = img.src
  local ext = (src:match("%.(%w+)$") or ""):lower()
  local inside = not src:match("^%a[%w+.-]*:") and src:sub(1, 1) ~= "/"
    and not src:find("\\", 1, true) and not ("/" .. src .. "/"):find("/%.%./")
  if (inside and IMAGE_TYPES[ext]) or src:match("^data:image/png;base64,[%w+/=]+$")
      or src:match("^data:image/jpeg;base64,[%w+/=]+$") then
    img.title = ""
    return own_attr(img, true)
  end
  return pandoc.Emph(img.caption) -- a web address or a file elsewhere: only its description
end

local own_markup = {
  RawInline = function(r) return pandoc.Str(r.text) end,
  RawBlock = function(r) return pandoc.CodeBlock(r.text) end,
  Link = own_link,
  Image = own_image,
  Span = function(s) own_attr(s); return s end,
  Code = function(c) return own_attr(c) end,
  Div = function(d) return own_attr(d) end,
  Header = function(h) return own_attr(h) end,
  CodeBlock = function(c) return own_attr(c) end,
  Table = function(t) return own_attr(t) end,
  Figure = function(f) return own_attr(f) end,
}

-- Settings from _quarto.yml, not text from the inputs: header-includes carries the HTML's
-- Content-Security-Policy under Quarto.
local CONFIG_META = { ["header-includes"] = true, ["include-before"] = true,
  ["include-after"] = true }

local function own_meta(meta)
  for key, value in pairs(meta) do
    if key:sub(1, 4) ~= "lkj-" and not CONFIG_META[key] and type(value) == "table" and value.walk then
      meta[key] = value:walk(own_markup)
    end
  end
  return meta
end

------------------------------------------------------------------------------
-- Cross references: @tbl-x / @fig-x -> "Tabel 3.1" taken from the caption text.
------------------------------------------------------------------------------

local CAPTION_WORDS = { "Tabel", "Gambar", "Grafik", "Diagram", "Bagan", "Lampiran", "Table", "Figure" }

local function caption_label(blocks)
  local text = stringify(blocks or {})
  for _, w in ipairs(CAPTION_WORDS) do
    local found = text:match("^%s*(" .. w .. "%s+[%w][%w%.%-]*)")
    if found then
      return (found:gsub("[%.%-]+$", ""))
    end
  end
  return nil
end

-- Quarto's reader leaves a table caption's {#id} as text unless the id is one of its own
-- cross-references (lkj's Quarto engine renames those, lkj.render.quarto): read it here.
local function caption_id(t)
  local last = t.caption.long[#t.caption.long]
  local inl = last and last.content
  local tail = inl and inl[#inl]
  local id = t.identifier == "" and tail and tail.t == "Str" and tail.text:match("^{#([%w][%w%-_.:]*)}$")
  if not id then return nil end
  inl:remove(#inl)
  while #inl > 0 and (inl[#inl].t == "Space" or inl[#inl].t == "SoftBreak") do inl:remove(#inl) end
  t.identifier = id
  return t
end

-- A caption numbered as lkj numbers them ("Tabel 2.1 …", "Gambar 3.1 …"). A table its chapter
-- template leaves unnumbered (tabel(…, nomor=False)) is no entry of the Daftar Tabel, whose
-- entries all begin with their number.
local function numbered(text) return text:match("^%s*%a+%s+%d+%.%d+") ~= nil end

-- One walk over tables and figures (block level: walks that visit every inline cost pandoc
-- far more): the label each @tbl-x / @fig-x resolves to, and the captions in document order
-- for the Daftar Tabel / Daftar Gambar of the HTML and DOCX outputs (typst builds its own with
-- page numbers: lkj.typ).
local function collect_references(doc)
  local labels, tables, figures = {}, {}, {}
  local marks = 0
  local function note(el, list)
    local caption = el.caption.long
    local text = stringify(caption)
    if el.identifier ~= "" then labels[el.identifier] = caption_label(caption) or text end
    if text == "" then return nil end
    local id = el.identifier
    if IS_DOCX and #caption > 0 and caption[1].content then
      -- the DOCX lists point at a bookmark in the caption itself (see toc_items)
      marks = marks + 1
      id = "_Toc_lkj_k" .. marks
      local n = tostring(800000 + marks)
      caption[1].content:insert(1, pandoc.RawInline("openxml", '<w:bookmarkStart w:id="' .. n ..
        '" w:name="' .. id .. '"/><w:bookmarkEnd w:id="' .. n .. '"/>'))
      el.caption.long = caption
    end
    if numbered(text) then table.insert(list, { id = id, text = text }) end
    return el
  end
  doc = doc:walk({
    Table = function(t) return note(IN_QUARTO and caption_id(t) or t, tables) end,
    Figure = function(f) return note(f, figures) end,
  })
  return labels, tables, figures, doc
end

local function caption_list(title, items)
  local blocks = pandoc.Blocks({ pandoc.Header(2, pandoc.Inlines(title),
    pandoc.Attr("", { "unnumbered", "unlisted", "daftar-judul" })) })
  local entries = {}
  for _, it in ipairs(items) do
    local inl = pandoc.Inlines(it.text)
    if it.id ~= "" and IS_HTML then inl = pandoc.Inlines({ pandoc.Link(inl, "#" .. it.id) }) end
    table.insert(entries, { pandoc.Plain(inl) })
  end
  if #entries == 0 then
    blocks:insert(pandoc.Para(pandoc.Inlines("Tidak ada.")))
  else
    blocks:insert(pandoc.BulletList(entries))
  end
  return pandoc.Div(blocks, pandoc.Attr("", { "daftar" }))
end

local function resolve_cites(doc, labels)
  return doc:walk({
    Cite = function(c)
      local out = pandoc.Inlines({})
      for i, citation in ipairs(c.citations) do
        local label = labels[citation.id]
        if label == nil or label == "" then
          -- Unknown reference: print exactly what was written.
          return c.content
        end
        if i > 1 then out:insert(pandoc.Str("; ")) end
        out:extend(citation.prefix or {})
        if citation.prefix and #citation.prefix > 0 then out:insert(pandoc.Space()) end
        out:insert(pandoc.Link(pandoc.Inlines({ pandoc.Str(label) }), "#" .. citation.id))
        out:extend(citation.suffix or {})
      end
      return out
    end,
  })
end

-- Under Quarto, identifiers starting with fig-/tbl- would make Quarto number the caption
-- ("Tabel 1: Tabel 3.1 ..."). The caption already carries its number, so rename them.
local function quarto_neutralise_ids(doc)
  local function rename(id)
    if id:match("^tbl%-") or id:match("^fig%-") then return "lkj-" .. id end
    return id
  end
  return doc:walk({
    Table = function(t) t.identifier = rename(t.identifier); return t end,
    Figure = function(f) f.identifier = rename(f.identifier); return f end,
    Image = function(i) i.identifier = rename(i.identifier); return i end,
    Link = function(l)
      -- Quarto's typst output gives renamed tables no label to link to: the text only.
      if l.target:match("^#[tf][bi][lg]%-") and IS_TYPST then return l.content end
      if l.target:match("^#") then l.target = "#" .. rename(l.target:sub(2)) end
      return l
    end,
  })
end

------------------------------------------------------------------------------
-- Signature blocks
------------------------------------------------------------------------------

local function trim_inlines(inls)
  while #inls > 0 and (inls[1].t == "Space" or inls[1].t == "SoftBreak") do inls:remove(1) end
  while #inls > 0 and (inls[#inls].t == "Space" or inls[#inls].t == "SoftBreak") do inls:remove(#inls) end
  return inls
end

-- Split the div's paragraphs into single lines (each source line is one line of the block).
local function signature_lines(blocks)
  local lines = {}
  for _, b in ipairs(blocks) do
    if b.t == "Para" or b.t == "Plain" then
      local cur = pandoc.Inlines({})
      for _, il in ipairs(b.content) do
        if il.t == "LineBreak" or il.t == "SoftBreak" then
          table.insert(lines, trim_inlines(cur))
          cur = pandoc.Inlines({})
        else
          cur:insert(il)
        end
      end
      table.insert(lines, trim_inlines(cur))
    elseif b.t == "LineBlock" then
      for _, l in ipairs(b.content) do table.insert(lines, trim_inlines(pandoc.Inlines(l))) end
    else
      table.insert(lines, b)
    end
  end
  local kept = {}
  for _, l in ipairs(lines) do
    if l.t ~= nil then -- a block (image of a stamp, ...)
      table.insert(kept, l)
    elseif stringify(l):match("%S") then
      table.insert(kept, l)
    end
  end
  return kept
end

local function is_name_line(l)
  if l.t ~= nil then return false end
  local strong = false
  for _, il in ipairs(l) do
    if il.t == "Strong" then
      strong = true
    elseif il.t ~= "Space" then
      return false
    end
  end
  return strong
end

local function spacer_index(lines)
  for i, l in ipairs(lines) do
    if i > 1 and is_name_line(l) then return i end
  end
  return nil
end

-- Build the signature content in the target format.
-- grouped: true inside .signatures (the block takes the whole grid cell).
-- pad: blank lines before the name, so that side-by-side names share one baseline.
local function render_signature(div, grouped, pad)
  local lines = signature_lines(div.content)
  local space_at = spacer_index(lines)
  for _ = 1, (space_at and pad or 0) do
    table.insert(lines, space_at, pandoc.Para({ pandoc.Str("\u{00A0}") }))
  end
  local blocks = pandoc.Blocks({})

  if IS_TYPST then
    if grouped then
      blocks:insert(raw_typst("#block(breakable: false, width: 100%)[#set align(center)\n#set par(spacing: 0.6em, justify: false)"))
    else
      blocks:insert(raw_typst("#block(breakable: false, width: 100%, above: 2em)[#align(right)[#block(width: 50%)[#set align(center)\n#set par(spacing: 0.6em, justify: false)"))
    end
    for i, l in ipairs(lines) do
      if i == space_at then blocks:insert(raw_typst("#v(3.2em)")) end
      if l.t ~= nil then blocks:insert(l) else blocks:insert(pandoc.Para(l)) end
    end
    blocks:insert(raw_typst(grouped and "]" or "]]]"))
    return blocks
  end

  if IS_DOCX then
    local style = grouped and DOCX_STYLE_SIGNATURE_COL or DOCX_STYLE_SIGNATURE
    local inner = pandoc.Blocks({})
    for i, l in ipairs(lines) do
      if i == space_at then
        for _ = 1, 3 do inner:insert(pandoc.Para({ pandoc.Str("\u{00A0}") })) end
      end
      if l.t ~= nil then inner:insert(l) else inner:insert(pandoc.Para(l)) end
    end
    if not grouped then inner:insert(1, pandoc.Para({ pandoc.Str("\u{00A0}") })) end
    return { pandoc.Div(inner, pandoc.Attr("", {}, { ["custom-style"] = style })) }
  end

  -- HTML (and any other format): a div the stylesheet lays out.
  local inner = pandoc.Blocks({})
  for i, l in ipairs(lines) do
    if i == space_at then inner:insert(pandoc.Div({}, pandoc.Attr("", { "signature-space" }))) end
    if l.t ~= nil then inner:insert(l) else inner:insert(pandoc.Para(l)) end
  end
  local classes = { "signature" }
  if space_at == nil then table.insert(classes, "signature-nospace") end
  return { pandoc.Div(inner, pandoc.Attr(div.identifier, classes)) }
end

local function render_signatures(div)
  local sigs = {}
  local others = pandoc.Blocks({})
  for _, b in ipairs(div.content) do
    if b.t == "Div" and has_class(b, "signature") then
      table.insert(sigs, b)
    else
      others:insert(b)
    end
  end
  if #sigs == 0 then
    -- Nothing to lay out side by side: treat the whole div as one signature.
    return render_signature(div, false)
  end

  local out = pandoc.Blocks({})
  out:extend(others)
  local above, most = {}, 0 -- lines above each name (place, date, jabatan)
  for i, s in ipairs(sigs) do
    above[i] = (spacer_index(signature_lines(s.content)) or 1) - 1
    most = math.max(most, above[i])
  end
  local function render(i) return render_signature(sigs[i], true, most - above[i]) end

  if IS_TYPST then
    local ncol = #sigs
    local cols = {}
    for _ = 1, ncol do table.insert(cols, "1fr") end
    out:insert(raw_typst("#block(breakable: false, width: 100%, above: 2em)[#grid(columns: (" ..
      table.concat(cols, ", ") .. ",), column-gutter: 2em,"))
    for i = 1, ncol do
      out:insert(raw_typst("["))
      out:extend(render(i))
      out:insert(raw_typst(i < ncol and "]," or "]"))
    end
    out:insert(raw_typst(")]"))
    return out
  end

  if IS_DOCX then
    -- A borderless table (no header row) with one cell per signature.
    local cells = {}
    local colspecs = {}
    for i = 1, #sigs do
      table.insert(cells, pandoc.Cell(render(i), pandoc.AlignCenter))
      table.insert(colspecs, { pandoc.AlignCenter, 1.0 / #sigs })
    end
    local body = { attr = pandoc.Attr(), body = { pandoc.Row(cells) }, head = {}, row_head_columns = 0 }
    -- Table style of reference.docx without borders (pandoc writes the value as the styleId).
    local tbl = pandoc.Table(pandoc.Caption(), colspecs, pandoc.TableHead(), { body }, pandoc.TableFoot(),
      pandoc.Attr("", {}, { ["custom-style"] = "TabelTandaTangan" }))
    out:insert(pandoc.Para({ pandoc.Str("\u{00A0}") }))
    out:insert(tbl)
    return out
  end

  local inner = pandoc.Blocks({})
  for i = 1, #sigs do inner:extend(render(i)) end
  out:insert(pandoc.Div(inner, pandoc.Attr(div.identifier, { "signatures" })))
  return out
end

------------------------------------------------------------------------------
-- Cover
------------------------------------------------------------------------------

local COVER_SIZES = { "20pt", "16pt", "14pt", "13pt", "12pt", "12pt" }

-- Headings inside the cover are display text, not sections (they must not enter the TOC).
local function cover_content(blocks)
  return pandoc.Blocks(blocks):walk({
    Header = function(h)
      local lvl = math.min(h.level, 6)
      if IS_TYPST then
        return {
          raw_typst("#block(above: 1.2em, below: 1.2em)[#set text(size: " .. COVER_SIZES[lvl] .. ", weight: \"bold\")"),
          pandoc.Para(h.content),
          raw_typst("]"),
        }
      end
      return pandoc.Div({ pandoc.Para({ pandoc.Strong(h.content) }) }, pandoc.Attr("", { "cover-h" .. lvl }))
    end,
  })
end

local function render_cover(div)
  if IS_TYPST then
    local content = cover_content(div.content)
    -- title block in the upper half, the office (::: {.cover-office}) at the foot of the page
    local out = pandoc.Blocks({})
    out:insert(raw_typst("#page(numbering: none, header: none, footer: none)[#set align(center)\n#set par(justify: false)\n#set text(size: 1.15em)\n#v(1fr)"))
    for _, b in ipairs(content) do
      if b.t == "Div" and has_class(b, "cover-office") then
        out:insert(raw_typst("#v(2fr)"))
        out:extend(b.content)
        out:insert(raw_typst("#v(0.5fr)"))
      else
        out:insert(b)
      end
    end
    out:insert(raw_typst("#v(1fr)]"))
    return out
  end
  if IS_DOCX then
    -- As the PDF's cover: the title a third down the page, in its sizes; the office lower.
    local function space(twips)
      return raw_openxml('<w:p><w:pPr><w:spacing w:before="' .. twips .. '" w:after="0"/></w:pPr></w:p>')
    end
    local function docx_cover(blocks)
      local out = pandoc.Blocks({})
      for _, b in ipairs(blocks) do
        if b.t == "Header" then
          local size = tonumber((COVER_SIZES[math.min(b.level, 6)]):match("%d+")) * 2
          out:insert(raw_openxml('<w:p><w:pPr><w:pStyle w:val="' .. DOCX_STYLE_COVER .. '"/></w:pPr>' ..
            '<w:r><w:rPr><w:b/><w:sz w:val="' .. size .. '"/><w:szCs w:val="' .. size .. '"/></w:rPr>' ..
            '<w:t xml:space="preserve">' .. xml_escape(stringify(b.content)) .. '</w:t></w:r></w:p>'))
        elseif b.t == "Div" and has_class(b, "cover-office") then
          out:insert(space(3600))
          out:extend(docx_cover(b.content))
        else
          out:insert(pandoc.Div({ b }, pandoc.Attr("", {}, { ["custom-style"] = DOCX_STYLE_COVER })))
        end
      end
      return out
    end
    local out = pandoc.Blocks({ space(1800) })
    out:extend(docx_cover(div.content))
    return out
  end
  return { pandoc.Div(cover_content(div.content), pandoc.Attr(div.identifier, { "cover" })) }
end

-- The Daftar Isi, Daftar Tabel and Daftar Gambar of the DOCX, filled when the file is opened in
-- LibreOffice as in Word: each entry links to its bookmark (pandoc writes one for every heading,
-- table and figure with an id) and its page number is a PAGEREF field, which LibreOffice
-- computes when it lays out the pages and Word updates on opening (updateFields). A TOC field
-- would show an empty page in LibreOffice until the reader updates it by hand. The dotted right
-- tab is in the styles (lkj/templates/make_reference_docx.py).
local function docx_list(title, items, style)
  local xml = { '<w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr><w:r><w:t xml:space="preserve">' ..
    xml_escape(title) .. '</w:t></w:r></w:p>' }
  for _, it in ipairs(items) do
    local bold = (style == nil and it.level == 1) and '<w:rPr><w:b/></w:rPr>' or ''
    local link = xml_escape(it.id)
    if it.id == "" then  -- nothing to point at: the entry without its page number
      table.insert(xml, '<w:p><w:pPr><w:pStyle w:val="' .. (style or ("TOC" .. it.level)) ..
        '"/></w:pPr><w:r><w:t xml:space="preserve">' .. xml_escape(it.text) .. '</w:t></w:r></w:p>')
      goto continue
    end
    table.insert(xml, '<w:p><w:pPr><w:pStyle w:val="' .. (style or ("TOC" .. it.level)) .. '"/></w:pPr>' ..
      '<w:hyperlink w:anchor="' .. link .. '" w:history="1"><w:r>' .. bold ..
      '<w:t xml:space="preserve">' .. xml_escape(it.text) .. '</w:t></w:r><w:r><w:tab/></w:r>' ..
      (it.page and '<w:r><w:t>' .. it.page .. '</w:t></w:r></w:hyperlink></w:p>' or
      '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGEREF ' ..
      link .. ' \\h ' .. (it.roman and '\\* roman ' or '') .. '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>' ..
      '<w:r><w:t></w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink></w:p>'))
    ::continue::
  end
  if #items == 0 then table.insert(xml, '<w:p><w:r><w:t>Tidak ada.</w:t></w:r></w:p>') end
  return raw_openxml(table.concat(xml))
end

-- The headings a Daftar Isi lists: up to `depth`, not the cover's, the lists' or unlisted ones.
-- Each gets a bookmark of its own inside the heading paragraph, as Word writes them (_Toc…):
-- pandoc's section bookmarks span whole sections, and LibreOffice cannot find the page of
-- some of those.
local function toc_items(lists, depth)
  local items = {}
  for _, blocks in ipairs(lists) do
    for i, b in ipairs(blocks) do
      if b.t == "Header" and b.level <= depth and not has_class(b, "unlisted")
          and not has_class(b, "daftar-judul") then
        local n = #items + 1
        local name = "_Toc_lkj_" .. n
        local mark = pandoc.RawInline("openxml", '<w:bookmarkStart w:id="' .. (900000 + n) ..
          '" w:name="' .. name .. '"/><w:bookmarkEnd w:id="' .. (900000 + n) .. '"/>')
        local content = pandoc.Inlines({ mark })
        content:extend(b.content)
        blocks[i] = pandoc.Header(b.level, content, b.attr)
        -- The front matter is numbered i, ii, …, but LibreOffice prints every PAGEREF in
        -- arabic figures, ignoring "\* roman" (which Word follows). Its first heading opens
        -- page i (lkj.lua places the front matter right after the cover): written as text.
        local front = lists[1] == blocks and #lists > 1
        table.insert(items, { id = name, text = stringify(b.content), level = b.level,
                              roman = front, page = (front and #items == 0) and "i" or nil })
      end
    end
  end
  return items
end

------------------------------------------------------------------------------
-- Main
------------------------------------------------------------------------------

-- A table with at most this many body rows is never split over two pages (lkj-keep-rows in
-- lkj-halaman.typ for the PDF; for the DOCX, the marks below keep its rows together).
local KEEP_ROWS = 8
local function body_rows(t)
  local n = #t.foot.rows
  for _, body in ipairs(t.bodies) do n = n + #body.body end
  return n
end

local function transform_blocks(doc)
  return doc:walk({
    traverse = "topdown",
    -- A table's cells are left as they are: a block 100% wide in a cell (the sticky lead-in
    -- below, for a cell in bold alone) makes typst give every column the same width.
    Table = function(t) return t, false end,
    -- typst: the paragraph that leads into a block kept whole (the checklist's instruction,
    -- the last lines above a signature) goes to the next page with it; a heading before that
    -- paragraph is sticky already: no heading or lead-in is left alone at a page's foot.
    -- DOCX: marks around lead-in and block (or small table), for docx.py to set "keep with
    -- next" between.
    Blocks = (IS_TYPST or IS_DOCX) and function(bs)
      local function kept(b)
        if b and b.t == "Table" then return IS_DOCX and body_rows(b) <= KEEP_ROWS end
        return b and b.t == "Div" and (has_class(b, "keep") or has_class(b, "signature") or
          has_class(b, "signatures"))
      end
      local out, open = pandoc.Blocks({}), false
      for i, b in ipairs(bs) do
        local nxt = bs[i + 1]
        local para = b.t == "Para" or b.t == "Plain"
        local lead = kept(nxt) and para
        if IS_TYPST then
          -- a lead-in goes with what it opens: a table or figure, whatever follows a
          -- sentence that announces it ("…, yaitu:", "… sebagai berikut:"), or the text under
          -- a line in bold alone (a run-in heading: "**b. Indikator: …**"). width: 100%: a
          -- block as wide as its text leaves that text unjustified (typst 0.15).
          local opens = para and ((nxt and (nxt.t == "Table" or nxt.t == "Figure"))
                                  or stringify(b.content):match(":%s*$") ~= nil
                                  or (#b.content == 1 and b.content[1].t == "Strong"))
          out:extend((lead or opens) and { raw_typst("#block(sticky: true, width: 100%)["), b, raw_typst("]") }
                     or { b })
        else
          if (lead or kept(b)) and not open then out:insert(raw_openxml("<!--lkj-keep-->")) end
          open = lead
          out:insert(b)
          if kept(b) then out:insert(raw_openxml("<!--/lkj-keep-->")) end
        end
      end
      return out
    end or nil,
    Div = function(div)
      if has_class(div, "signatures") then
        return render_signatures(div), false
      elseif has_class(div, "signature") then
        return render_signature(div, false), false
      elseif has_class(div, "pagebreak") then
        return pagebreak_blocks(), false
      elseif has_class(div, "cover") then
        return render_cover(div), false
      elseif has_class(div, "keep") then
        -- a block never split over two pages (the supervisor's checklist and signature)
        local inner = transform_blocks(pandoc.Pandoc(div.content)).blocks
        if IS_TYPST then
          local out = pandoc.Blocks({ raw_typst("#block(breakable: false, width: 100%)[") })
          out:extend(inner)
          out:insert(raw_typst("]"))
          return out, false
        end
        return pandoc.Div(inner, pandoc.Attr("", IS_DOCX and {} or { "keep" })), false
      end
      return nil
    end,
  })
end

-- DOCX has no automatic column layout that every word processor honours (LibreOffice
-- and WPS show equal columns), so give each column a share of the full text width from its
-- content: the longest word it must not break, and (capped) the length of its longest cell.
local function docx_column_widths(t)
  local n = #t.colspecs
  local longest, word = {}, {}
  for i = 1, n do longest[i], word[i] = 1, 1 end
  local function measure(row)
    for i, cell in ipairs(row.cells) do
      if i <= n then
        local text = stringify(cell.contents)
        longest[i] = math.max(longest[i], utf8.len(text) or #text)
        for w in text:gmatch("%S+") do word[i] = math.max(word[i], utf8.len(w) or #w) end
      end
    end
  end
  for _, row in ipairs(t.head.rows) do measure(row) end
  for _, body in ipairs(t.bodies) do for _, row in ipairs(body.body) do measure(row) end end
  for _, row in ipairs(t.foot.rows) do measure(row) end
  local weights, total = {}, 0
  for i = 1, n do
    -- +2 for the cell padding; a long word (a rupiah amount, a code) must fit on one line.
    weights[i] = math.max(word[i] * 1.15 + 2, math.min(longest[i], 45) * 0.7, 4)
    total = total + weights[i]
  end
  for i, spec in ipairs(t.colspecs) do
    t.colspecs[i] = { spec[1], weights[i] / total }
  end
end

-- The per-format fixes below are parts of ONE walk (format_fixes): every doc:walk converts the
-- whole tree to Lua and back (measured ≈0,01–0,02 s per walk of a report), six times before.
-- In a walk, Inline functions (Image) run first, then Block functions, bottom-up; none of
-- the fixes depends on another's result.

-- Tables: columns sized by their content in every engine (pipe-table dash counts are not a
-- layout intention); HTML tables scroll horizontally inside their own div.
local function tidy_table(t)
  -- DOCX signature table: keep its equal full-width columns (one per signature).
  if t.attributes["custom-style"] == "TabelTandaTangan" then return nil end
  if IS_DOCX then
    docx_column_widths(t)
    return t
  end
  for i, spec in ipairs(t.colspecs) do
    t.colspecs[i] = { spec[1], pandoc.ColWidthDefault }
  end
  if IS_HTML then
    return pandoc.Div({ t }, pandoc.Attr("", { "table-wrap" }))
  end
  return t
end

-- DOCX: percentages are made absolute against the text width (pandoc would otherwise
-- fall back to the image's natural size); figures default to the full text width.
local function docx_figure_width(text_width_cm)
  return function(fig)
    return fig:walk({
      Image = function(img)
        local w = img.attributes.width
        if w == nil and img.attributes.height == nil then w = "100%" end
        local pct = w and tonumber(w:match("^%s*([%d%.]+)%s*%%%s*$"))
        if pct then
          img.attributes.width = string.format("%.2fcm", text_width_cm * math.min(pct, 100) / 100)
          img.attributes.height = nil
        end
        return img
      end,
    })
  end
end

-- Typst reads "1. ", "- ", "+ ", "= " and "/ " at the start of a line or of a content
-- block as list/enum/heading/term markup. Pandoc escapes them at the start of a paragraph, in
-- emphasis and after a line break, but not where a table cell or a #heading(...)[...] (a
-- heading with attributes) begins: a cell "- Belanja" or a heading "1. Capaian" would turn
-- into a list. Escape the first word of every paragraph and heading (where pandoc already
-- would, the output is the same). Block-level on purpose: an Inlines filter costs ~0.1 s.
local function is_gap(el)
  return el == nil or el.t == "Space" or el.t == "SoftBreak" or el.t == "LineBreak"
end
local function typst_escape_first(block)
  local inlines = block.content
  local first = inlines[1]
  if first ~= nil and first.t == "Str" and is_gap(inlines[2])
      and (first.text:match("^%d+%.$") or first.text:match("^[-+=/]$")) then
    inlines[1] = pandoc.RawInline("typst", "\\" .. first.text)
    block.content = inlines
    return block
  end
  return nil
end

-- Typst: a `#set enum(numbering: "a.")` written for a lettered list also numbers the lists
-- nested in it with letters. Give every nested ordered list its own numbering rule, inside
-- the item that holds it, so "a. … 1. …" prints as written.
local ENUM_SYMBOL = { Decimal = "1", DefaultStyle = "1", Example = "1", LowerAlpha = "a",
  UpperAlpha = "A", LowerRoman = "i", UpperRoman = "I" }
local function enum_pattern(attrs)
  local sym = ENUM_SYMBOL[attrs.style] or "1"
  if attrs.delimiter == "OneParen" then return sym .. ")" end
  if attrs.delimiter == "TwoParens" then return "(" .. sym .. ")" end
  return sym .. "."
end
local function typst_nested_enums(list)
  for _, item in ipairs(list.content) do
    local i = 1
    while i <= #item do
      local b = item[i]
      if b.t == "OrderedList" then
        item:insert(i, raw_typst('#set enum(numbering: "' .. enum_pattern(b.listAttributes)
          .. '", start: ' .. tostring(b.listAttributes.start or 1) .. ')'))
        i = i + 1
      end
      i = i + 1
    end
  end
  return list
end

-- Typst: the last two body rows of a table become its footer, which lkj-halaman.typ prints
-- once, at the end, as one unit: a long table broken over pages never leaves its last row
-- (JUMLAH) alone on the next page. A table that already has a footer is left as it is.
local TYPST_KEEP_LAST_ROWS = 2
local function typst_table_tail(t)
  if #t.foot.rows > 0 or #t.bodies ~= 1 then return end
  local rows = t.bodies[1].body
  if #rows <= TYPST_KEEP_LAST_ROWS then return end
  local tail = pandoc.List({})
  for i = #rows - TYPST_KEEP_LAST_ROWS + 1, #rows do tail:insert(rows[i]) end
  for _ = 1, TYPST_KEEP_LAST_ROWS do rows:remove(#rows) end
  local body = t.bodies[1]
  body.body = rows
  t.bodies = { body }
  t.foot.rows = tail
end

-- Typst: figures (charts) span the text width unless the Markdown gives a width.
local function typst_figure_width(fig)
  return fig:walk({
    Image = function(img)
      if img.attributes.width == nil and img.attributes.height == nil then
        img.attributes.width = "100%"
      end
      return img
    end,
  })
end

-- Typst: relative image paths made absolute, from the first resource directory that has the
-- file (own_image admits nothing else).
local function typst_image_path(dirs)
  return function(img)
    if img.src:match("^data:") then
      -- The typst compiler cannot read data: images: show the description.
      return pandoc.Emph(img.caption)
    end
    for _, dir in ipairs(dirs) do
      local path = dir:gsub("/+$", "") .. "/" .. img.src
      local f = io.open(path, "rb")
      if f then
        f:close()
        img.src = path
        return img
      end
    end
    img.src = dirs[1] and (dirs[1]:gsub("/+$", "") .. "/" .. img.src) or img.src
    return img
  end
end

-- Quarto makes every captioned table and figure a float of its own: numbered once more
-- ("Tabel 1: Tabel 2.1 …"), in typst without its caption or outside the Daftar Tabel. Under
-- Quarto they are written here by pandoc's own writer, as the embedded engine writes them.
-- In the DOCX, which has no raw form of a table, the caption becomes the paragraph pandoc would
-- write for it (the same style, above a table and below a figure).
local function quarto_raw(el)
  if el == nil or not el.caption or stringify(el.caption.long) == "" then return el end
  if IS_DOCX then
    local caption = pandoc.Div(el.caption.long, pandoc.Attr("", {},
      { ["custom-style"] = el.t == "Table" and "Table Caption" or "Image Caption" }))
    el.caption = pandoc.Caption({})
    if el.t == "Table" then return pandoc.Blocks({ caption, el }) end
    return pandoc.Blocks({ pandoc.Div(el.content, pandoc.Attr("", {}, { ["custom-style"] = "Captioned Figure" })),
      caption })
  end
  local fmt = IS_TYPST and "typst" or "html"
  return pandoc.RawBlock(fmt, pandoc.write(pandoc.Pandoc({ el }), fmt, { wrap_text = "none" }))
end

local function format_fixes(resource_dirs, text_width_cm)
  local filter = { Table = tidy_table }
  if IS_TYPST then
    filter.Table = function(t)
      local tidied = tidy_table(t) or t
      typst_table_tail(tidied)
      -- typst's Daftar Tabel lists the figures of kind `table` (lkj.typ)
      local caption = stringify(tidied.caption.long)
      if caption ~= "" and not numbered(caption) then
        tidied.attributes["typst:figure:kind"] = '"tabel-tanpa-nomor"'
      end
      return tidied
    end
    filter.Plain, filter.Para, filter.Header = typst_escape_first, typst_escape_first, typst_escape_first
    filter.OrderedList = typst_nested_enums
    filter.Figure = typst_figure_width
    if resource_dirs ~= nil then filter.Image = typst_image_path(resource_dirs) end
  elseif IS_DOCX and text_width_cm ~= nil then
    filter.Figure = docx_figure_width(text_width_cm)
  end
  if IN_QUARTO then
    local table_fix, figure_fix = filter.Table, filter.Figure or function(f) return f end
    filter.Table = function(t)
      local out = table_fix(t) or t
      if out.t == "Div" then out.content[1] = quarto_raw(out.content[1]) else out = quarto_raw(out) end
      return out
    end
    filter.Figure = function(f) return quarto_raw(figure_fix(f) or f) end
  end
  return filter
end

function Pandoc(doc)
  -- 0. Nothing but lkj's own markup goes on (see the header of this file).
  doc.blocks = doc.blocks:walk(own_markup) -- (Pandoc:walk would also walk the settings)
  doc.meta = own_meta(doc.meta)
  local meta = doc.meta
  -- lkj's templates place cover, front matter and lists: the embedded engine and lkj's Quarto
  -- engine (lkj-templates); Quarto with its own templates gets them in the body.
  local embedded = not IN_QUARTO or meta_bool(meta, "lkj-templates", false)

  -- 1. Cross references (before anything renames identifiers).
  local labels, caption_tables, caption_figures
  labels, caption_tables, caption_figures, doc = collect_references(doc)
  doc = resolve_cites(doc, labels)
  if IN_QUARTO then doc = quarto_neutralise_ids(doc) end

  -- 2. Pull the cover out of the body (first .cover div at top level), and drop a page
  --    break written right after it (the cover already ends its page).
  local cover = nil
  local blocks = pandoc.Blocks({})
  local i = 1
  while i <= #doc.blocks do
    local b = doc.blocks[i]
    if cover == nil and b.t == "Div" and has_class(b, "cover") then
      cover = b
      if is_pagebreak(doc.blocks[i + 1]) then i = i + 1 end
    else
      blocks:insert(b)
    end
    i = i + 1
  end

  -- 3. Optional position of the table of contents: an empty ::: {.toc} div. What comes
  --    before it (Kata Pengantar, Ikhtisar Eksekutif) is front matter, printed between
  --    the cover and the Daftar Isi.
  local front = nil
  for idx, b in ipairs(blocks) do
    if b.t == "Div" and has_class(b, "toc") then
      front = pandoc.Blocks({})
      local rest = pandoc.Blocks({})
      for j = 1, idx - 1 do front:insert(blocks[j]) end
      for j = idx + 1, #blocks do rest:insert(blocks[j]) end
      if is_pagebreak(front[#front]) then front:remove(#front) end
      if is_pagebreak(rest[1]) then rest:remove(1) end
      blocks = rest
      break
    end
  end

  -- 4. Format-specific rendering of the custom divs, tables and images.
  local resource_dirs = {} -- lkj-resource-dir-1, -2, …: where relative images are found
  while true do
    local d = meta_string(meta, "lkj-resource-dir-" .. (#resource_dirs + 1), nil)
    if d == nil then break end
    resource_dirs[#resource_dirs + 1] = d
  end
  if #resource_dirs == 0 then resource_dirs = nil end
  local text_width = tonumber(meta_string(meta, "lkj-text-width-cm", ""))
  local fixes = format_fixes(resource_dirs, text_width)
  local function render_blocks(bs)
    -- The custom divs first: what they become (signature lines, cover text) gets the fixes too.
    return transform_blocks(pandoc.Pandoc(bs, meta)):walk(fixes).blocks
  end
  local body = render_blocks(blocks)
  local rendered_cover = cover and render_blocks({ cover }) or nil
  local rendered_front = (front and #front > 0) and render_blocks(front) or nil

  if IS_DOCX then
    local out = pandoc.Blocks({})
    local depth = tonumber(meta_string(meta, "lkj-toc-depth", "2")) or 2
    local toc = meta_bool(meta, "lkj-toc", false) and toc_items({ rendered_front or {}, body }, depth)
    if rendered_cover then
      out:extend(rendered_cover)
      out:insert(raw_openxml(OPENXML_END_COVER))
      -- The cover replaces pandoc's title block (title/subtitle/author/date paragraphs).
      meta.title = nil
      meta.subtitle = nil
      meta.author = nil
      meta.date = nil
    end
    if rendered_front then
      out:extend(rendered_front)
      out:insert(raw_openxml(OPENXML_PAGEBREAK))
    end
    if toc then
      out:insert(docx_list(meta_string(meta, "toc-title", "DAFTAR ISI"), toc))
      out:insert(raw_openxml(OPENXML_PAGEBREAK))
    end
    if meta_bool(meta, "lkj-daftar", false) then
      out:insert(docx_list("DAFTAR TABEL", caption_tables, "TableofFigures"))
      out:insert(docx_list("DAFTAR GAMBAR", caption_figures, "TableofFigures"))
      out:insert(raw_openxml(OPENXML_PAGEBREAK))
    end
    local last = out[#out]
    if last and last.t == "RawBlock" and last.text == OPENXML_PAGEBREAK then
      out[#out] = raw_openxml(OPENXML_END_FRONT)
    end
    out:extend(body)
    -- Every chapter (level-1 heading, "BAB ...") starts on a new page.
    local final = pandoc.Blocks({})
    for _, b in ipairs(out) do
      if b.t == "Header" and b.level == 1 and #final > 0 then
        local prev = final[#final]
        if not (prev.t == "RawBlock" and (prev.text == OPENXML_PAGEBREAK or prev.text == OPENXML_END_FRONT
                                          or prev.text == OPENXML_END_COVER)) then
          final:insert(raw_openxml(OPENXML_PAGEBREAK))
        end
      end
      final:insert(b)
    end
    body = final
  elseif embedded and (IS_TYPST or IS_HTML) then
    -- Our templates place cover and front matter before the table of contents.
    if rendered_cover then meta["lkj-cover"] = pandoc.MetaBlocks(rendered_cover) end
    if rendered_front then meta["lkj-front"] = pandoc.MetaBlocks(rendered_front) end
    if IS_HTML and rendered_front then
      -- pandoc's table of contents sees only the body: the front matter's headings (Kata
      -- Pengantar …) are listed first by hand, as the PDF's Daftar Isi lists them.
      local entries = {}
      for _, b in ipairs(rendered_front) do
        if b.t == "Header" and b.level == 1 and b.identifier ~= "" and not has_class(b, "unlisted") then
          table.insert(entries, { pandoc.Plain({ pandoc.Link(b.content, "#" .. b.identifier) }) })
        end
      end
      if #entries > 0 then meta["lkj-toc-front"] = pandoc.MetaBlocks({ pandoc.BulletList(entries) }) end
    end
    if IS_HTML and meta_bool(meta, "lkj-daftar", false) then
      meta["lkj-daftar-html"] = pandoc.MetaBlocks({
        caption_list("DAFTAR TABEL", caption_tables),
        caption_list("DAFTAR GAMBAR", caption_figures) })
    end
  else
    local out = pandoc.Blocks({})
    if rendered_cover then out:extend(rendered_cover) end
    if rendered_front then out:extend(rendered_front) end
    out:extend(body)
    body = out
  end

  -- Quarto's own typst template gets lkj's typography and page-break rules from
  -- lkj-halaman.typ, which lkj.render gives it as include-before-body.

  return pandoc.Pandoc(body, meta)
end
