--[[
course.lua: the schedule on every deck and exercise page (used by Quarto AND by the offline engine).

The pre-render step (python -m coursebuild.prerender) writes _build/schedule-meta.json from
data/schedule.yml. For a document whose metadata has `week: N` and `doc-kind: deck|handout|solution`,
this filter sets the subtitle and the date from the schedule and adds the week's notice
(cancelled / self-study) to the title and, in full, at the top of the content.
]]

local function read_file(path)
  local fh = io.open(path, "r")
  if not fh then return nil end
  local text = fh:read("a")
  fh:close()
  return text
end

local function schedule_meta()
  local candidates = {}
  local project = os.getenv("QUARTO_PROJECT_DIR") or os.getenv("MLPC_PROJECT_DIR")
  if project then table.insert(candidates, project .. "/_build/schedule-meta.json") end
  if PANDOC_SCRIPT_FILE then
    local dir = pandoc.path.directory(PANDOC_SCRIPT_FILE)
    table.insert(candidates, pandoc.path.join({dir, "..", "..", "..", "_build", "schedule-meta.json"}))
  end
  table.insert(candidates, "_build/schedule-meta.json")
  for _, path in ipairs(candidates) do
    local text = read_file(path)
    if text then return pandoc.json.decode(text, false) end
  end
  return nil
end

local function notice_span(notice)
  return pandoc.Span(pandoc.Inlines(notice.label), {class = "notice notice-" .. notice.kind})
end

-- Under Quarto, user filters run after Quarto has parsed `.callout-*` divs into callouts
-- (src/resources/filters/main.lua: normalize before pre-quarto), so a Div made here would stay a plain div:
-- build Quarto's own node (quarto.Callout, Lua API >= 1.3, src/resources/filters/customnodes/callout.lua).
-- The offline engine has no `quarto` global; its engine.lua turns the div into the same callout markup.
local function notice_block(notice)
  local body = pandoc.Blocks({pandoc.Para(pandoc.Inlines(notice.message))})
  if quarto and quarto.Callout then
    return quarto.Callout({type = "important", title = pandoc.Inlines(notice.label), content = body,
      attr = pandoc.Attr("", {"notice-callout"})})
  end
  return pandoc.Div(body, {class = "callout-important notice-callout", title = notice.label})
end

function Pandoc(doc)
  local week = doc.meta.week and tonumber(pandoc.utils.stringify(doc.meta.week))
  local kind = doc.meta["doc-kind"] and pandoc.utils.stringify(doc.meta["doc-kind"])
  if kind == "exercise-source" then
    -- exercises/_metadata.yml: a direct render would publish every solution beside the source
    error("course.lua: exercises/*.qmd is the source of a handout and its solution, never a page: render "
      .. "handouts/<name>.qmd (or, in an instructor build, solutions/<name>.qmd) after the pre-render step")
  end
  if not week or not kind then return nil end
  local data = schedule_meta()
  if not data then
    error("course.lua: _build/schedule-meta.json is missing: run the pre-render step "
      .. "(python -m coursebuild.prerender) before rendering week " .. week)
  end
  local info = data.weeks[tostring(week)]
  if not info then
    error("course.lua: week " .. week .. " is not in data/schedule.yml")
  end
  local session = (kind == "deck") and info.lecture or info.exercise
  local what = ({deck = "Lecture", handout = "Handout", solution = "Solution"})[kind] or kind
  local subtitle = pandoc.Inlines(data.course.short .. " · Week " .. week .. " · " .. what)
  local notices = {}
  for _, n in ipairs(info.notices or {}) do
    if kind == "deck" or n.session == "exercise" then table.insert(notices, n) end
  end
  for _, n in ipairs(notices) do
    subtitle:insert(pandoc.Space())
    subtitle:insert(notice_span(n))
  end
  doc.meta.subtitle = subtitle
  local date = pandoc.Inlines(session.date_text)
  local pdf = info.pdf and info.pdf[kind]
  if pdf then
    date:insert(pandoc.Str(" · "))
    date:insert(pandoc.Link(pandoc.Inlines("PDF"), "../" .. pdf, "", {class = "pdf-link"}))
  end
  local notes_pdf = kind == "deck" and info.pdf and info.pdf["deck-notes"]
  if notes_pdf then
    date:insert(pandoc.Str(" · "))
    date:insert(pandoc.Link(pandoc.Inlines("PDF with notes"), "../" .. notes_pdf, "", {class = "pdf-link"}))
  end
  doc.meta.date = date
  if #notices > 0 then
    local blocks = pandoc.Blocks({})
    if kind == "deck" then
      blocks:insert(pandoc.Header(2, pandoc.Inlines("This week's notice"), {id = "this-weeks-notice"}))
    end
    for _, n in ipairs(notices) do blocks:insert(notice_block(n)) end
    if kind == "deck" then
      blocks:insert(pandoc.Div(pandoc.Blocks({pandoc.Para(pandoc.Inlines(
        "The schedule (data/schedule.yml) puts this notice here; the schedule page shows it too."))}),
        {class = "notes"}))
    end
    doc.blocks = blocks .. doc.blocks
  end
  return doc
end
