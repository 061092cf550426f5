--[[
typst.lua: the handout and solution PDFs (Pandoc's Typst writer, coursebuild/pdf.py), last filter of the chain.

- Tables: left-aligned; a column without an authored width (pipe tables' `|---|` give equal ones) gets one, in proportion to the longest text in it (with a floor), so
  Typst wraps text inside its column instead of letting it run into the next one.
- Callouts (engine.lua's structure: .callout > .callout-title + .callout-body) and the schedule's notice
  keep the look of the HTML page: a tinted box with a coloured bar on the left and a bold title.
- Figures: at most the text width and at most MAX_HEIGHT_CM tall, so a figure never leaves most of a page
  empty in front of it.
- The date line's link to the PDF itself (course.lua adds it for the HTML page) is dropped; notice badges keep
  their fill.
]]

local TEXT_WIDTH_CM = 17.0
local MAX_HEIGHT_CM = 10.5
local MIN_SHARE = 0.08

local COLOURS = {
  note = {"0072B2", "f3f7fb"}, tip = {"009E73", "eef9f5"}, important = {"D55E00", "fdf3ec"},
  warning = {"E69F00", "fdf8ec"}, caution = {"E69F00", "fdf8ec"},
}

local function cell_length(cell)
  local longest = 0
  for _, block in ipairs(cell.contents) do
    longest = longest + #pandoc.utils.stringify(block)
  end
  return longest
end

local function column_lengths(tbl)
  local lengths = {}
  for i = 1, #tbl.colspecs do lengths[i] = 1 end
  local function visit(rows)
    for _, row in ipairs(rows) do
      for i, cell in ipairs(row.cells) do
        if i <= #lengths then lengths[i] = math.max(lengths[i], cell_length(cell)) end
      end
    end
  end
  visit(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do visit(body.body) end
  return lengths
end

local function authored_widths(tbl)
  -- pipe tables get equal widths from `|---|---|`; other widths were chosen by the author
  local first = tbl.colspecs[1][2]
  if not first or first == 0 then return false end
  for _, spec in ipairs(tbl.colspecs) do
    if math.abs((spec[2] or 0) - first) > 1e-6 then return true end
  end
  return false
end

local function size_table(tbl)
  for i, spec in ipairs(tbl.colspecs) do
    if spec[1] == "AlignDefault" or spec[1] == pandoc.AlignDefault then
      tbl.colspecs[i] = {pandoc.AlignLeft, spec[2]}
    end
  end
  if authored_widths(tbl) then return tbl end
  local lengths = column_lengths(tbl)
  local weights, total = {}, 0
  for i, n in ipairs(lengths) do
    weights[i] = math.sqrt(math.min(n, 400))
    total = total + weights[i]
  end
  local shares, sum = {}, 0
  for i, w in ipairs(weights) do
    shares[i] = math.max(MIN_SHARE, w / total)
    sum = sum + shares[i]
  end
  for i, spec in ipairs(tbl.colspecs) do
    tbl.colspecs[i] = {spec[1], shares[i] / sum}
  end
  return tbl
end

local function callout(div)
  local kind = "note"
  for _, c in ipairs(div.classes) do
    local k = c:match("^callout%-(%a+)$")
    if k and COLOURS[k] then kind = k end
  end
  local bar, fill = table.unpack(COLOURS[kind])
  local blocks = pandoc.Blocks({pandoc.RawBlock("typst", string.format(
    '#block(width: 100%%, fill: rgb("#%s"), stroke: (left: 3pt + rgb("#%s")), inset: (x: 9pt, y: 7pt), '
    .. 'radius: 2pt, breakable: true)[', fill, bar))})
  for _, child in ipairs(div.content) do
    if child.t == "Div" and child.classes:includes("callout-title") then
      blocks:insert(pandoc.RawBlock("typst", "#block(below: 0.6em)[#strong["))
      blocks:extend(pandoc.Blocks({pandoc.Plain(pandoc.utils.blocks_to_inlines(child.content))}))
      blocks:insert(pandoc.RawBlock("typst", "]]"))
    elseif child.t == "Div" and child.classes:includes("callout-body") then
      blocks:extend(child.content)
    else
      blocks:insert(child)
    end
  end
  blocks:insert(pandoc.RawBlock("typst", "]"))
  return blocks
end

local function size_image(img)
  if img.attributes.width or img.attributes.height then return img end
  local ok, _, contents = pcall(pandoc.mediabag.fetch, img.src)
  if not ok or not contents then return img end
  local ok_size, size = pcall(pandoc.image.size, contents)
  if not ok_size or not size or size.width == 0 then return img end
  local width_cm = math.min(TEXT_WIDTH_CM, MAX_HEIGHT_CM * size.width / size.height)
  img.attributes.width = string.format("%.1fcm", width_cm)
  return img
end

local NOTICE_FILL = {cancelled = "a33f00", ["self-study"] = "005a8c", buffer = "555555"}

local function notice_badge(span)
  -- the schedule's notice badge (course.lua) as on the HTML page: white bold text on a dark fill
  for _, c in ipairs(span.classes) do
    local kind = c:match("^notice%-(.+)$")
    if kind and NOTICE_FILL[kind] then
      local out = pandoc.Inlines({pandoc.RawInline("typst", string.format(
        '#box(fill: rgb("#%s"), inset: (x: 3pt, y: 2pt), outset: (y: 1pt), radius: 2pt)[#text(fill: white, '
        .. 'weight: "bold", size: 0.85em)[', NOTICE_FILL[kind]))})
      out:extend(span.content)
      out:insert(pandoc.RawInline("typst", "]]"))
      return out
    end
  end
end

local function drop_self_link(inlines)
  local out = pandoc.Inlines({})
  for _, el in ipairs(inlines) do
    if el.t == "Link" and el.classes:includes("pdf-link") then
      while #out > 0 and (out[#out].t == "Space" or (out[#out].t == "Str" and out[#out].text:match("^%s*·%s*$"))) do
        out:remove(#out)
      end
    else
      out:insert(el)
    end
  end
  return out
end

return {
  {
    Meta = function(meta)
      if meta.date and pandoc.utils.type(meta.date) == "Inlines" then
        meta.date = drop_self_link(meta.date)
      end
      return meta
    end,
    Span = notice_badge,
    Table = size_table,
    Image = size_image,
    Div = function(div)
      if div.classes:includes("callout") then return callout(div) end
    end,
  },
}
