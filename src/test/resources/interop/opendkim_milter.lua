-- Plays the MTA for a running opendkim milter through one SMTP transaction with
-- miltertest, and writes the message to `outfile` with the header fields named
-- `capture` that opendkim asked to add on top (DKIM-Signature when it signs,
-- Authentication-Results when it verifies).
--
-- Globals (miltertest -D): socket (milter socket spec), msgfile (the message),
-- outfile, capture, and nospace: "refuse" or "warn" (see below).
--
-- Header fields are handed over as Postfix does: name and value split at the first
-- colon, folded lines joined by a bare LF, and, since opendkim negotiates
-- SMFIP_HDR_LEADSPC, the value's leading white space kept. miltertest itself puts one
-- space in front of every value in that mode, so one is stripped here. A field with
-- no space after its colon ("To:bob", "Subject:<TAB>x") therefore cannot be handed
-- over exactly, which matters to simple header canonicalization: with nospace=refuse
-- the script stops, with nospace=warn it says so on stderr and goes on.
--
-- The body is handed over as Postfix (milter8.c) does: CRLF line ends, in SMFIC_BODY
-- chunks of 65535 bytes (the last one shorter), then SMFIC_BODYEOB without data.
-- - A body that does not end with a line end gets a CRLF, with a note on stderr:
--   Postfix ends a final partial line before any milter sees it (its MIME parser adds
--   the line break; through SMTP the line end is part of the DATA terminator anyway).
--   opendkim itself, given such a body, fails relaxed body canonicalization ("CRLF at
--   end of body missing") and adds no Authentication-Results field.
-- - An empty body is no SMFIC_BODY at all. mt.eom() cannot be called right after
--   mt.eoh(): miltertest would first send a body of its own, "Dummy message body.\r\n",
--   and opendkim would sign or verify that. Nor can mt.bodystring(conn, "") be used:
--   libmilter drops the connection on an empty SMFIC_BODY. mt.bodyfile() on an empty
--   file sends nothing and moves miltertest past the body, so that is used.
-- Each added header value is written exactly as opendkim produced it, except that
-- each LF becomes the input message's line end (CRLF unless the input has only bare
-- LFs).

local CHUNK = 65535

local function fail(what)
  error(what, 0)
end

local function expect(result, step, conn, reply)
  if result ~= nil then
    fail(step .. " failed: " .. tostring(result))
  end
  local got = mt.getreply(conn)
  if got == SMFIR_ACCEPT and reply == SMFIR_CONTINUE then
    fail(step .. ": opendkim accepted the message without acting on it")
  end
  if reply ~= nil and got ~= reply then
    fail(step .. ": unexpected milter reply '" .. tostring(got) .. "'")
  end
end

local function read_message(path)
  local input = io.open(path, "rb")
  if input == nil then
    fail("cannot read " .. path)
  end
  local message = input:read("a")
  input:close()
  return message
end

local function parse(message)
  local text = message:gsub("\r\n", "\n")
  local split = text:find("\n\n", 1, true)
  local head, body
  if split then
    head, body = text:sub(1, split), text:sub(split + 2)
  elseif text:sub(1, 1) == "\n" then
    head, body = "", text:sub(2)
  else
    head, body = text, ""
  end
  if head ~= "" and head:sub(-1) ~= "\n" then
    head = head .. "\n"
  end
  local fields = {}
  for line in head:gmatch("([^\n]*)\n") do
    if line:match("^[ \t]") and #fields > 0 then
      fields[#fields].value = fields[#fields].value .. "\n" .. line
    else
      local name, value = line:match("^([^:]+):(.*)$")
      if name == nil then
        fail("not a header field: " .. line)
      end
      if value:sub(1, 1) == " " then
        value = value:sub(2)
      else
        local problem = "miltertest puts a space after every colon, so opendkim sees '"
          .. name .. ": ' where the message has '" .. name .. ":'"
        if nospace == "refuse" then
          fail(problem .. " (refused: simple header canonicalization)")
        end
        io.stderr:write("opendkim_milter.lua: note: ", problem, "\n")
      end
      fields[#fields + 1] = { name = name, value = value }
    end
  end
  body = body:gsub("\n", "\r\n")
  if body ~= "" and body:sub(-2) ~= "\r\n" then
    io.stderr:write("opendkim_milter.lua: note: the body does not end with a line end;",
      " a CRLF is added, as Postfix adds one before a milter sees the body\n")
    body = body .. "\r\n"
  end
  return fields, body
end

local function address(fields, name)
  for _, field in ipairs(fields) do
    if field.name:lower() == name then
      local inner = field.value:match("<([^>]*)>")
      return "<" .. (inner or field.value:match("^%s*(.-)%s*$")) .. ">"
    end
  end
  return "<postmaster@localhost>"
end

local function transaction(conn, fields, body)
  expect(mt.conninfo(conn, "localhost", "127.0.0.1"), "conninfo", conn, SMFIR_CONTINUE)
  if not mt.test_option(conn, SMFIP_NOHELO) then
    expect(mt.helo(conn, "localhost"), "helo", conn, SMFIR_CONTINUE)
  end
  mt.macro(conn, SMFIC_MAIL, "i", "INTEROP")
  expect(mt.mailfrom(conn, address(fields, "from")), "envfrom", conn, SMFIR_CONTINUE)
  expect(mt.rcptto(conn, address(fields, "to")), "envrcpt", conn, SMFIR_CONTINUE)
  for _, field in ipairs(fields) do
    expect(mt.header(conn, field.name, field.value), "header " .. field.name, conn, SMFIR_CONTINUE)
  end
  expect(mt.eoh(conn), "eoh", conn, SMFIR_CONTINUE)
  if body == "" then
    -- no SMFIC_BODY, not even miltertest's dummy body (see the top of this file)
    local result = mt.bodyfile(conn, "/dev/null")
    if result ~= nil then
      fail("empty body failed: " .. tostring(result))
    end
  end
  for at = 1, #body, CHUNK do
    expect(mt.bodystring(conn, body:sub(at, at + CHUNK - 1)), "body", conn, nil)
    local reply = mt.getreply(conn)
    if reply == SMFIR_SKIP then
      break
    elseif reply ~= SMFIR_CONTINUE then
      fail("body: unexpected milter reply '" .. tostring(reply) .. "'")
    end
  end
  expect(mt.eom(conn), "eom", conn, nil)
  local reply = mt.getreply(conn)
  if reply ~= SMFIR_ACCEPT and reply ~= SMFIR_CONTINUE then
    fail("eom: unexpected milter reply '" .. tostring(reply) .. "'")
  end
  if not (mt.eom_check(conn, MT_HDRINSERT, capture) or mt.eom_check(conn, MT_HDRADD, capture)) then
    fail("opendkim added no " .. capture .. " header field (end-of-message reply '" .. tostring(reply) .. "')")
  end
  local values = {}
  while true do
    local value = mt.getheader(conn, capture, #values)
    if value == nil then
      break
    end
    values[#values + 1] = value
  end
  return values
end

local function main()
  local message = read_message(msgfile)
  local fields, body = parse(message)
  mt.set_timeout(20)
  local conn = mt.connect(socket, 100, 0.1)
  if conn == nil then
    fail("cannot connect to " .. socket)
  end
  local values = transaction(conn, fields, body)
  mt.disconnect(conn)

  local eol = message:find("\r\n", 1, true) and "\r\n" or "\n"
  local output = io.open(outfile, "wb")
  if output == nil then
    fail("cannot write " .. outfile)
  end
  for _, value in ipairs(values) do
    output:write(capture, ":", (value:gsub("\r?\n", eol)), eol)
  end
  output:write(message)
  output:close()
end

local ok, err = pcall(main)
if not ok then
  io.stderr:write("opendkim_milter.lua: ", tostring(err), "\n")
  os.exit(2)
end
