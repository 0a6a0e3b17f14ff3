--[[
render.lua — run by `pandoc lua render.lua JOBS.json` (lkj.render, embedded engine).

One pandoc process reads the report's Markdown once and writes every requested format, doing
for each what `pandoc laporan.md --from READER --lua-filter lkj.lua --metadata-file F
--metadata K=V ... --to FORMAT --template T --variable K=V --toc ...` would do (lkj.render's
`_pandoc_cli` builds that command line from the same job, and a test compares the two byte for
byte). Three pandoc runs read the same text three times and each start a 160 MB program:
this way a report costs ≈0,3 s less CPU.

Not carried over from the command line, because lkj.lua and our templates do not use them:
the filter's PANDOC_WRITER_OPTIONS / PANDOC_STATE (here: pandoc lua's defaults), an
abbreviations file in the user's pandoc data directory. A filter must not print to stdout:
that is where this script talks to lkj.render.

Talk with lkj.render on stdout/stdin, one line each:
  need-images FMT   before a writer that reads the image files (DOCX); lkj answers "go"
                    once the charts are drawn (anything else, or end of input: stop)
  written FMT       the output file of FMT is complete
  missing FMT SRC   an image of FMT that pandoc could not fetch (none of the resource
                    directories has it, or the web address did not answer)
]]

local job_file = arg[1]

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

local function write_file(path, text)
  local f = assert(io.open(path, "wb"))
  assert(f:write(text)) -- a full disk must stop pandoc, not leave a shorter file
  assert(f:close())
end

local function say(...)
  io.stdout:write(table.concat({ ... }, " "), "\n")
  io.stdout:flush()
end

local job = pandoc.json.decode(read_file(job_file), false)

-- The command line reads pandoc's abbreviations data file ("c." + space → "c.~"); the Lua
-- reader's default is a shorter built-in list. lkj passes the data file's entries.
local abbreviations = {}
for _, a in ipairs(job.abbreviations) do abbreviations[a] = true end

local function as_the_command_line_reads(text)
  -- pandoc's command line drops a byte order mark and every CR, and expands tabs to the next
  -- multiple of 4 columns (counted in characters) before its reader sees the text.
  text = text:gsub("^\239\187\191", ""):gsub("\r", "")
  local lines = {}
  for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  -- The text after the last line break. "\n([^\n]*)$" starts only at a line break: the pattern
  -- without it is tried from every position and takes minutes on one 100 KB line.
  local last = text:match("\n([^\n]*)$") or text
  if last ~= "" then lines[#lines + 1] = last end
  for i, line in ipairs(lines) do
    if line:find("\t", 1, true) then
      local out, col = {}, 0
      for _, c in utf8.codes(line) do
        if c == 9 then
          local n = 4 - col % 4
          out[#out + 1] = string.rep(" ", n)
          col = col + n
        else
          out[#out + 1] = utf8.char(c)
          col = col + 1
        end
      end
      lines[i] = table.concat(out)
    end
  end
  return table.concat(lines, "\n") .. (#lines > 0 and "\n" or "")
end

local source = pandoc.read(as_the_command_line_reads(read_file(job.input)), job.reader,
  { abbreviations = abbreviations })

local function metadata_file(path)
  -- As --metadata-file: YAML read as a Markdown metadata block.
  return pandoc.read("---\n" .. read_file(path) .. "\n---\n", job.reader,
    { abbreviations = abbreviations }).meta
end

local function apply_filter(doc, format)
  -- The filter file as pandoc runs it for `--to format`: FORMAT set before the file is loaded.
  local env = setmetatable({ FORMAT = format }, { __index = _G })
  assert(loadfile(job.filter, "t", env))()
  if env.Pandoc then doc = env.Pandoc(doc) or doc end
  return doc
end

local function fetch_images(doc, format)
  -- As --resource-path: pandoc itself fetches each image (so %20, file: and data: addresses
  -- mean what they mean on the command line), a relative one from each resource directory in
  -- turn; what it finds goes into the media bag under the name the writer looks up. What it
  -- cannot find, here or on the web, is reported instead of silently left out.
  local seen = {}
  doc:walk({
    Image = function(img)
      local src = img.src
      if seen[src] then return nil end
      seen[src] = true
      local remote = src:match("^%a[%w+.-]*:") and not src:match("^file:")
      for _, dir in ipairs(remote and { "." } or job.resource_path) do
        local ok, mime, contents = pcall(pandoc.system.with_working_directory, dir,
          function() return pandoc.mediabag.fetch(src) end)
        if ok and contents then
          pandoc.mediabag.insert(src, mime, contents)
          return nil
        end
      end
      say("missing", format, src)
      return nil
    end,
  })
end

for _, w in ipairs(job.writers) do
  local doc = source:clone()
  local defaults = metadata_file(w.metadata_file)
  for k, v in pairs(defaults) do
    if doc.meta[k] == nil then doc.meta[k] = v end -- the document's own metadata wins
  end
  for k, v in pairs(w.metadata) do doc.meta[k] = v end -- as --metadata: these win
  doc = apply_filter(doc, w.to)

  local options = {
    table_of_contents = w.toc,
    toc_depth = w.toc_depth,
    number_sections = w.number_sections,
    variables = w.variables,
  }
  -- The variables the command line sets for every template.
  options.variables["sourcefile"] = options.variables["sourcefile"] or { job.input }
  options.variables["outputfile"] = options.variables["outputfile"] or w.output
  options.variables["pandoc-version"] = options.variables["pandoc-version"] or tostring(PANDOC_VERSION)
  if w.wrap then options.wrap_text = "wrap-" .. w.wrap end
  if w.template then options.template = pandoc.template.compile(read_file(w.template), w.template) end
  if w.reference_doc then options.reference_doc = w.reference_doc end
  if #w.include_in_header > 0 then
    local headers = {}
    for _, path in ipairs(w.include_in_header) do headers[#headers + 1] = read_file(path) end
    options.variables["header-includes"] = headers
  end

  if w.needs_images then
    say("need-images", w.format)
    if io.read("l") ~= "go" then
      io.stderr:write("dibatalkan sebelum " .. w.format .. "\n")
      os.exit(3)
    end
    fetch_images(doc, w.format)
  end
  write_file(w.output, pandoc.write(doc, w.to, options))
  say("written", w.format)
end
